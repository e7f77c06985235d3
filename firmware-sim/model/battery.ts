import { DAY, HOUR } from '../clock.ts'
import type { Random } from '../random.ts'

/**
 * The AED's battery. Lithium AED batteries are rated for about 4-5 years in standby with daily
 * self-tests (e.g. Philips HeartStart M5070A: 4 years; ZOLL AED Plus: 5 years), and carry an
 * "install before"/"use by" date. Self-discharge roughly doubles for every 10 °C above 25 °C
 * (the Arrhenius rule of thumb battery makers quote), so a cabinet in the sun drains faster.
 */
export interface BatteryState {
  /** Remaining charge, 0-100. */
  pct: number
  /** Rated standby life at 25 °C, in years. */
  lifeYears: number
  installedMs: number
  /** The battery's use-by date. */
  expiryMs: number
}

const YEAR = 365.25 * DAY

/** Percent per hour at the given temperature. */
export function drainPctPerHour(tempC: number, lifeYears: number): number {
  const base = 100 / ((lifeYears * YEAR) / HOUR)
  return base * 2 ** ((tempC - 25) / 10)
}

/** Charge after `ms` at `tempC`; never below 0. */
export function drain(state: BatteryState, ms: number, tempC: number): number {
  return Math.max(0, state.pct - drainPctPerHour(tempC, state.lifeYears) * (ms / HOUR))
}

/**
 * A battery found in service at `nowMs`: installed up to ~5.3 years ago (so a few are past their
 * use-by date), charge as Bangkok's warmth (~30 °C mean: 1.4x the 25 °C rate) has left it.
 */
export function initialBattery(rnd: Random, nowMs: number): BatteryState {
  const lifeYears = Math.max(3, rnd.normal(4.5, 0.35))
  const ageMs = rnd.range(0, 5.3) * YEAR
  const used = (ageMs / (lifeYears * YEAR)) * 100 * 2 ** ((30 - 25) / 10)
  const pct = Math.max(2, Math.min(100, 100 - used * rnd.range(0.8, 1.05)))
  const installedMs = nowMs - ageMs
  return { pct, lifeYears, installedMs, expiryMs: installedMs + 5 * YEAR }
}
