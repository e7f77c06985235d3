import type { Readiness } from '../state/readiness.ts'

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
