import HolidaysParser from 'date-holidays-parser'
import { TH_HOLIDAY_DATA } from './th-holidays-data.ts'

const DAY_MS = 86_400_000

/** `YYYY-MM-DD` of a UTC-midnight instant. */
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay()
const isWeekend = (date: string) => weekday(date) === 0 || weekday(date) === 6

/**
 * Thailand's public holidays, Bangkok's calendar, for `PH` in opening_hours values. The dates come
 * from `date-holidays` (country TH, type public: fixed days and the lunar Buddhist holidays;
 * Thailand's rules alone, th-holidays-data.ts, read by its parser: the whole package keeps every
 * country's data, 8.5 MiB of heap), plus
 * the substitution days Thailand gives for a public holiday falling on a Saturday or Sunday: the
 * next working day that is not itself a holiday (วันหยุดชดเชย; Songkran on a Sunday moves to the
 * Wednesday after it), which `date-holidays` does not list. `extra` adds the special holidays the
 * cabinet announces during the year (`YYYY-MM-DD`).
 */
export class ThaiHolidays {
  // a fresh copy: the parser edits the data it is given
  private readonly hd = new HolidaysParser(structuredClone(TH_HOLIDAY_DATA), 'TH', { types: ['public'] })
  private readonly years = new Map<number, ReadonlySet<string>>()
  private readonly extra: ReadonlySet<string>

  constructor(extra: readonly string[] = []) {
    this.extra = new Set(extra)
  }

  /** Whether a Bangkok calendar date (`YYYY-MM-DD`) is a public holiday or a substitution day. */
  isHoliday(date: string): boolean {
    return this.extra.has(date) || this.ofYear(Number(date.slice(0, 4))).has(date)
  }

  /** The year's holidays and substitution days, sorted (a weekend holiday on 31 December substitutes into January). */
  ofYear(year: number): ReadonlySet<string> {
    let days = this.years.get(year)
    if (!days) {
      days = new Set(
        [...this.withSubstitutes(year - 1), ...this.withSubstitutes(year)].filter((d) =>
          d.startsWith(`${year}-`),
        ),
      )
      this.years.set(year, days)
    }
    return days
  }

  private withSubstitutes(year: number): string[] {
    const holidays = [...new Set(this.hd.getHolidays(year).map((h) => h.date.slice(0, 10)))].sort()
    const taken = new Set(holidays)
    const out = [...holidays]
    for (const h of holidays) {
      if (!isWeekend(h)) continue
      let t = Date.parse(`${h}T00:00:00Z`) + DAY_MS
      while (isWeekend(iso(t)) || taken.has(iso(t))) t += DAY_MS
      taken.add(iso(t))
      out.push(iso(t))
    }
    return out.sort()
  }
}
