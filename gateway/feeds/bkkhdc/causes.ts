/**
 * Why a cabinet counted as unavailable, as the dataset reports it: `offline` is "not monitored"
 * (the gateway cannot tell whether the AED is ready), the others are "AED not ready".
 */
export const CAUSES = ['battery', 'pads', 'self_test', 'offline', 'missing', 'other'] as const
export type Cause = (typeof CAUSES)[number]
export const NOT_READY_CAUSES = ['missing', 'battery', 'pads', 'self_test', 'other'] as const
export type NotReadyCause = (typeof NOT_READY_CAUSES)[number]

// Rule types (gateway/rules/*.ts) in the order a cause is chosen when several hold at once: the
// AED being away outweighs everything, then no contact, then the parts a technician replaces.
const BY_CODE: ReadonlyArray<readonly [string, Cause]> = [
  ['aed_in_use', 'missing'],
  ['aed_missing', 'missing'],
  ['offline', 'offline'],
  ['battery_low', 'battery'],
  ['battery_expiry', 'battery'],
  ['pad_expiry', 'pads'],
  ['self_test_failed', 'self_test'],
  ['self_test_overdue', 'self_test'],
]

/**
 * Available (null) or the one cause of unavailability, from a `readiness` point's state and
 * reason codes. ready/degraded → available; in_use → missing; offline and unknown (no data) →
 * offline; not_ready → the first matching reason in the order above, else other.
 */
export function causeOf(state: string, reasonCodes: string | null): Cause | null {
  if (state === 'ready' || state === 'degraded') return null
  if (state === 'in_use') return 'missing'
  if (state === 'offline' || state === 'unknown') return 'offline'
  const codes = new Set((reasonCodes ?? '').split(',').filter(Boolean))
  for (const [code, cause] of BY_CODE) if (codes.has(code)) return cause
  return 'other'
}
