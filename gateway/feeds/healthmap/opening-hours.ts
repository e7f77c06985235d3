import OpeningHours from 'opening_hours'
import { BANGKOK_OFFSET_MS, bangkokWallDate, DAY_MS } from '../bangkok-time.ts'
import { ThaiHolidays } from './thai-holidays.ts'

// Thailand: the library has no Thai holidays, so `PH` is resolved here (withHolidays); `SH`
// (school holidays) stays unknown.
const NOMINATIM = {
  lat: 13.7563,
  lon: 100.5018,
  address: { country_code: 'th', state: 'Bangkok' },
}

/**
 * Whether a place is open, from its OpenStreetMap `opening_hours` value
 * (https://wiki.openstreetmap.org/wiki/Key:opening_hours), in Bangkok time. The opening_hours
 * library reads a Date's local fields, so it is given a Date whose local fields are Bangkok wall
 * time, whatever the server's time zone. Parsed values are cached: a fleet shares a few dozen.
 * `PH` (public holiday) follows Thailand's holidays and substitution days (thai-holidays.ts).
 */
export class OpeningHoursEvaluator {
  private readonly cache = new Map<string, OpeningHours | null>()
  private readonly maxEntries: number
  private readonly holidays: ThaiHolidays

  constructor(maxEntries = 1000, holidays = new ThaiHolidays()) {
    this.maxEntries = maxEntries
    this.holidays = holidays
  }

  /** true open, false closed; null when there is no value, it does not parse, or its state is unknown. */
  openAt(value: string | undefined, atMs: number): boolean | null {
    if (!value) return null
    const oh = this.parse(this.withHolidays(value, atMs))
    if (!oh) return null
    const date = bangkokWallDate(atMs)
    try {
      if (oh.getUnknown(date)) return null
      return oh.getState(date)
    } catch {
      return null
    }
  }

  /** Whether the value is valid opening_hours syntax. */
  valid(value: string): boolean {
    return this.parse(value.replace(PH, 'Mo')) !== null
  }

  /**
   * The value with each `PH` replaced by the weekdays that are public holidays around `atMs`: the
   * Bangkok day itself and the day before (a range past midnight reaches into the next day). On
   * an ordinary day `PH` becomes a weekday two days on, which cannot match the time looked at.
   * So `Mo-Fr 08:00-17:00; PH off` reads `…; Th off` on a Thursday holiday, and `Mo-Fr,PH` reads
   * `Mo-Fr,Su` on a Sunday holiday. Quoted comments are left alone.
   */
  private withHolidays(value: string, atMs: number): string {
    if (!value.includes('PH')) return value
    const local = atMs + BANGKOK_OFFSET_MS
    const day = (offset: number) => new Date(local + offset * DAY_MS).toISOString().slice(0, 10)
    const wd = (offset: number) => WEEKDAYS[new Date(local + offset * DAY_MS).getUTCDay()] as string
    const days: string[] = []
    if (this.holidays.isHoliday(day(-1))) days.push(wd(-1))
    if (this.holidays.isHoliday(day(0))) days.push(wd(0))
    const selector = days.length > 0 ? days.join(',') : wd(2)
    return value
      .split('"')
      .map((part, i) => (i % 2 === 0 ? part.replace(PH, selector) : part))
      .join('"')
  }

  private parse(value: string): OpeningHours | null {
    if (this.cache.has(value)) return this.cache.get(value) ?? null
    let oh: OpeningHours | null = null
    try {
      oh = new OpeningHours(value, NOMINATIM, { mode: 0, tag_key: 'opening_hours' } as never)
    } catch {
      oh = null
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear()
    this.cache.set(value, oh)
    return oh
  }
}

const PH = /\bPH\b/g
const WEEKDAYS = ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'] as const
