/**
 * Bangkok wall time. Thailand keeps UTC+7 all year (no daylight saving since 1920), so day and
 * month boundaries are plain offsets from UTC; no time-zone database is needed.
 */
export const BANGKOK_OFFSET_MS = 7 * 3_600_000
export const DAY_MS = 86_400_000

/** Bangkok wall-clock fields of an instant. */
export function bangkokFields(ms: number): {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  weekday: number
} {
  const d = new Date(ms + BANGKOK_OFFSET_MS)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  }
}

/**
 * A Date whose *local* fields read as Bangkok wall time, for libraries that evaluate in the
 * process's local time zone (opening_hours does).
 */
export function bangkokWallDate(ms: number): Date {
  const f = bangkokFields(ms)
  const seconds = new Date(ms).getUTCSeconds()
  return new Date(f.year, f.month - 1, f.day, f.hour, f.minute, seconds)
}

/** The instant of Bangkok midnight starting the given calendar day (month 1-12; day may overflow). */
export function bangkokMidnight(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - BANGKOK_OFFSET_MS
}

/** `YYYY-MM-DD` of the Bangkok calendar day holding `ms`. */
export function bangkokDate(ms: number): string {
  return new Date(ms + BANGKOK_OFFSET_MS).toISOString().slice(0, 10)
}
