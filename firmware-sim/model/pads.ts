import { DAY } from '../clock.ts'
import type { Random } from '../random.ts'

export type PadType = 'adult' | 'pediatric' | 'universal'

/** Shares of a fleet whose pads are already expired, or expire within 30 days. */
export interface PadSpread {
  expired: number
  within30: number
}

/**
 * Electrode pads have a shelf life of about 2-3 years and are replaced one cabinet at a time, so
 * expiry dates are spread. Public-AED inspections find 10-13 % of pads out of date (Seoul, yearly
 * 2013-2017, 23,619 AEDs: electrodes within date 87-90 %); some more are due within 30 days.
 */
export const DEFAULT_PAD_SPREAD: PadSpread = { expired: 0.115, within30: 0.05 }

/** Shelf life of new pads, in days (2-2.5 years from delivery to the cabinet). */
export function newPadExpiryMs(rnd: Random, atMs: number): number {
  return Math.floor(atMs / DAY) * DAY + rnd.int(730, 900) * DAY
}

/**
 * Expiry of the pads found in a cabinet at `nowMs` (midnight UTC of that day). `expired` says
 * whether this cabinet is one of the fleet's out-of-date ones (the fleet decides, so that shares
 * hold for small fleets too); the others are due within 30 days with probability
 * `within30 / (1 - expired)`, else later.
 */
export function padExpiryMs(
  rnd: Random,
  nowMs: number,
  expired: boolean,
  spread: PadSpread = DEFAULT_PAD_SPREAD,
): number {
  let days: number
  if (expired) days = -rnd.int(1, 240)
  else if (rnd.chance(spread.within30 / Math.max(0.01, 1 - spread.expired))) days = rnd.int(0, 30)
  else days = rnd.int(31, 900)
  const day = Math.floor(nowMs / DAY) * DAY
  return day + days * DAY
}

/** Whether an inspection visit replaces these pads: expired or due within 60 days. */
export function padsDue(expiryMs: number, atMs: number): boolean {
  return expiryMs - atMs < 60 * DAY
}

export function padType(rnd: Random): PadType {
  const u = rnd.next()
  return u < 0.75 ? 'adult' : u < 0.95 ? 'universal' : 'pediatric'
}
