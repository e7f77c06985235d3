import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/**
 * AED removed from an opened cabinet: a probable cardiac arrest nearby. Routed with no group wait;
 * clears when the AED is back.
 */
export const aedInUse: Rule = {
  type: 'aed_in_use',
  team: 'city_ops',
  manualResolve: true,
  readiness: 'in_use',
  holdMs: (th) => th.aed_in_use.for_ms,
  evaluate: ({ live }) => {
    if (live.aed_present === null) return KEEP
    if (live.aed_present) return CLEAR
    const since = live.aed_removed_since_ms ?? 0
    return fire('critical', 'AED removed: probable cardiac arrest', since, { door: live.door })
  },
}
