/** Milliseconds since the epoch. Injected everywhere so tests and backfill run on simulated time. */
export type Clock = () => number

export const systemClock: Clock = () => Date.now()

/** A clock that only moves when told to: for unit tests and backfill. */
export function manualClock(startMs: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = startMs
  const clock = (() => now) as Clock & { set(ms: number): void; advance(ms: number): void }
  clock.set = (ms) => {
    now = ms
  }
  clock.advance = (ms) => {
    now += ms
  }
  return clock
}

export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/** Bangkok is UTC+7 all year (no daylight saving). */
export const BANGKOK_OFFSET_MS = 7 * HOUR

/** Hour of day in Bangkok, fractional (0 <= h < 24). */
export function bangkokHour(ms: number): number {
  return ((((ms + BANGKOK_OFFSET_MS) % DAY) + DAY) % DAY) / HOUR
}

/** YYYY-MM-DD of an instant (UTC calendar, as the payload dates are). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}
