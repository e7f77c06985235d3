import { DAY, HOUR } from '../clock.ts'
import type { Random } from '../random.ts'

/**
 * The AED's battery. Makers print a use-by date a few years after installation (Philips
 * HeartStart M5070A: 4 years of standby; ZOLL AED Plus: 5), with margin: the cell's standby
 * capacity lasts longer at room temperature. Self-discharge roughly doubles for every 10 °C above
 * 25 °C (the Arrhenius rule of thumb battery makers quote), so a cabinet in the sun drains faster.
 * The model keeps the charge and the use-by date consistent: at Bangkok's mean 30 °C a battery is
 * down to about 15 % on its use-by date; in the sun it gets there sooner.
 */
export interface BatteryState {
  /** Remaining charge, 0-100. */
  pct: number
  /** Years from full to empty at 25 °C. */
  lifeYears: number
  installedMs: number
  /** The battery's use-by date (installation + RATED_YEARS). */
  expiryMs: number
}

export const YEAR = 365.25 * DAY
/** The use-by date printed on a battery, in years after installation. */
export const RATED_YEARS = 4
/** Bangkok's mean temperature (°C): what the use-by date is calibrated against here. */
const NOMINAL_C = 30
/** Charge left on the use-by date at NOMINAL_C. */
const LEFT_AT_USE_BY = 15

/** Percent per hour at the given temperature. */
export function drainPctPerHour(tempC: number, lifeYears: number): number {
  const base = 100 / ((lifeYears * YEAR) / HOUR)
  return base * 2 ** ((tempC - 25) / 10)
}

/** Charge after `ms` at `tempC`; never below 0. */
export function drain(state: BatteryState, ms: number, tempC: number): number {
  return Math.max(0, state.pct - drainPctPerHour(tempC, state.lifeYears) * (ms / HOUR))
}

/** Charge of a battery `ageMs` old that has lived at `meanC`. */
export function chargeAfter(lifeYears: number, ageMs: number, meanC: number): number {
  return Math.min(100, Math.max(0, 100 - drainPctPerHour(meanC, lifeYears) * (ageMs / HOUR)))
}

/** A new battery installed at `atMs` (installation, or replacement on an inspection visit). */
export function newBattery(rnd: Random, atMs: number): BatteryState {
  const nominal = (RATED_YEARS * 2 ** ((NOMINAL_C - 25) / 10)) / ((100 - LEFT_AT_USE_BY) / 100)
  const lifeYears = Math.max(4, rnd.normal(nominal, 0.3))
  return { pct: 100, lifeYears, installedMs: atMs, expiryMs: atMs + RATED_YEARS * YEAR }
}

/** Whether an inspection visit replaces this battery: low, or its use-by date within 60 days. */
export function dueForReplacement(b: BatteryState, atMs: number): boolean {
  return b.pct < 30 || b.expiryMs - atMs < 60 * DAY
}

/**
 * The battery found in a cabinet at `nowMs`. A maintained cabinet's battery was installed at some
 * point of its service life, before it would have been due for replacement (`meanC`: the cabinet's
 * mean temperature, so a hot cabinet's batteries are younger). A neglected one (`depleted`) is past
 * its use-by date, nearly or fully flat.
 */
export function initialBattery(rnd: Random, nowMs: number, meanC: number, depleted = false): BatteryState {
  const b = newBattery(rnd, nowMs)
  const rate = drainPctPerHour(meanC, b.lifeYears)
  // age at which the charge reaches 30 % or the use-by date is 60 days away, whichever first
  const dueMs = Math.min((70 / rate) * HOUR, RATED_YEARS * YEAR - 60 * DAY)
  const ageMs = depleted ? RATED_YEARS * YEAR + rnd.range(0.05, 1.5) * YEAR : rnd.next() * dueMs
  const installedMs = nowMs - ageMs
  const pct = depleted ? rnd.range(0, 9) : chargeAfter(b.lifeYears, ageMs, meanC)
  return { pct, lifeYears: b.lifeYears, installedMs, expiryMs: installedMs + RATED_YEARS * YEAR }
}
