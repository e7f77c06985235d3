import OpeningHours from 'opening_hours'
import { bangkokWallDate } from '../bangkok-time.ts'

// Thailand, for `PH` (public holiday) and `SH` rules in an opening_hours value.
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
 */
export class OpeningHoursEvaluator {
  private readonly cache = new Map<string, OpeningHours | null>()
  private readonly maxEntries: number

  constructor(maxEntries = 1000) {
    this.maxEntries = maxEntries
  }

  /** true open, false closed; null when there is no value, it does not parse, or its state is unknown. */
  openAt(value: string | undefined, atMs: number): boolean | null {
    if (!value) return null
    const oh = this.parse(value)
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
    return this.parse(value) !== null
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
