import type { OpeningHoursEvaluator } from '../feeds/healthmap/opening-hours.ts'
import type { Readiness } from '../rules/readiness.ts'

/**
 * OpenStreetMap access=* values under which a bystander may take the AED: `yes` and `permissive`
 * (the owner allows it), and `public`, which mappers use as a synonym of `yes`. `customers`,
 * `private` and `no` need someone to let you in; a cabinet registered without `access` is not
 * vouched for (https://wiki.openstreetmap.org/wiki/Key:access).
 */
export const USABLE_ACCESS: ReadonlySet<string> = new Set(['yes', 'permissive', 'public'])

/**
 * Whether an AED can be used now: ready or degraded (a minor issue still saves a life), open now
 * by its opening_hours in Bangkok time, and on open access. An opening_hours value that is
 * missing or does not parse (openNow null) does not exclude it, as in the public feed
 * (feeds/healthmap/status.ts): a closed door is excluded only when the hours say so.
 */
export function usableNow(
  readiness: Readiness,
  openNow: boolean | null,
  access: string | undefined,
): boolean {
  if (readiness !== 'ready' && readiness !== 'degraded') return false
  if (openNow === false) return false
  return access !== undefined && USABLE_ACCESS.has(access)
}

/**
 * Open now, evaluated once per value and minute: opening_hours has minute resolution, a fleet
 * shares a few dozen values, and one evaluation costs up to a tenth of a millisecond.
 */
export class OpenNowMemo {
  private readonly hours: Pick<OpeningHoursEvaluator, 'openAt'>
  private minute = -1
  private values = new Map<string, boolean | null>()

  constructor(hours: Pick<OpeningHoursEvaluator, 'openAt'>) {
    this.hours = hours
  }

  openAt(value: string | undefined, now: number): boolean | null {
    const minute = Math.floor(now / 60_000)
    if (minute !== this.minute) {
      this.minute = minute
      this.values = new Map()
    }
    const key = value ?? ''
    let open = this.values.get(key)
    if (open === undefined) {
      open = this.hours.openAt(value, now)
      this.values.set(key, open)
    }
    return open
  }
}
