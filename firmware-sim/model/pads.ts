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
 * expiry dates are spread: a few pads are already out of date, some are due within 30 days, the
 * rest expire over the next ~30 months.
 */
export const DEFAULT_PAD_SPREAD: PadSpread = { expired: 0.06, within30: 0.1 }

/** Expiry of the pads found in a cabinet at `nowMs` (midnight UTC of that day). */
export function padExpiryMs(rnd: Random, nowMs: number, spread: PadSpread = DEFAULT_PAD_SPREAD): number {
  const u = rnd.next()
  let days: number
  if (u < spread.expired) days = -rnd.int(1, 120)
  else if (u < spread.expired + spread.within30) days = rnd.int(0, 30)
  else days = rnd.int(31, 900)
  const day = Math.floor(nowMs / DAY) * DAY
  return day + days * DAY
}

export function padType(rnd: Random): PadType {
  const u = rnd.next()
  return u < 0.75 ? 'adult' : u < 0.95 ? 'universal' : 'pediatric'
}
