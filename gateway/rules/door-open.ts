import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/** An opened door: city operations hear of it at once (someone may be fetching the AED). */
export const doorOpen: Rule = {
  type: 'door_open',
  team: 'city_ops',
  manualResolve: true,
  readiness: 'by_severity',
  holdMs: (th) => th.door_open.for_ms,
  evaluate: ({ live }) => {
    if (live.door === null) return KEEP
    if (live.door === 'closed') return CLEAR
    const since = live.door_open_since_ms ?? 0
    return fire('major', 'cabinet door opened', since, { aed_present: live.aed_present })
  },
}
