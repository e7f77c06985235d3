import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/** The cabinet's clock runs ahead of the gateway's (ingest flags it): its timestamps cannot be trusted. */
export const clockSkew: Rule = {
  type: 'clock_skew',
  team: 'maintenance',
  manualResolve: true,
  readiness: 'by_severity',
  holdMs: (th) => th.clock_skew.for_ms,
  evaluate: ({ live, now }) => {
    if (live.clock_skew_ms === null) return KEEP
    if (!live.clock_skewed) return CLEAR
    return fire('minor', `device clock ahead by ${Math.round(live.clock_skew_ms / 1000)} s`, now, {
      skew_ms: live.clock_skew_ms,
    })
  },
}
