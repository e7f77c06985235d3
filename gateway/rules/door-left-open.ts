import { CLEAR, fire, type Rule } from './types.ts'

/** Door left open with the AED inside: heat, dust and theft risk; maintenance closes it. */
export const doorLeftOpen: Rule = {
  type: 'door_left_open',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.door_left_open.for_ms,
  evaluate: ({ live, now, th }) => {
    const since = live.door_open_since_ms
    if (live.door !== 'open' || since === null || live.aed_present === false) return CLEAR
    const openMs = now - since
    if (openMs <= th.door_left_open.after_ms) return CLEAR
    return fire('warning', `door open for ${Math.round(openMs / 60_000)} min`, since, {
      open_minutes: Math.round(openMs / 60_000),
    })
  },
}
