import type { Readiness } from '../../rules/readiness.ts'

export type PublicStatus = 'available' | 'unavailable' | 'unknown'

/**
 * What the public is told. ready and degraded (a minor issue, e.g. pads due soon) can still save a
 * life → available; not_ready (a critical condition) and in_use (the AED is out at an emergency)
 * → unavailable; offline and unknown → unknown, since the gateway cannot vouch for the cabinet.
 * An available cabinet behind a closed door is unavailable: a public AED map that shows an AED
 * locked away at 21:00 sends a bystander the wrong way.
 */
export function publicStatus(readiness: Readiness, openNow: boolean | null): PublicStatus {
  switch (readiness) {
    case 'ready':
    case 'degraded':
      return openNow === false ? 'unavailable' : 'available'
    case 'not_ready':
    case 'in_use':
      return 'unavailable'
    default:
      return 'unknown'
  }
}
