import { CLEAR, fire, type Rule } from './types.ts'

/** AED removed and not returned within the configured time (default 4 h). */
export const aedMissing: Rule = {
  type: 'aed_missing',
  team: 'maintenance',
  manualResolve: true,
  readiness: 'by_severity',
  holdMs: (th) => th.aed_missing.for_ms,
  evaluate: ({ live, now, th }) => {
    const since = live.aed_removed_since_ms
    if (live.aed_present !== false || since === null) return CLEAR
    const hours = (now - since) / 3_600_000
    if (now - since <= th.aed_missing.after_ms) return CLEAR
    return fire('critical', `AED not returned for ${hours.toFixed(1)} h`, since, {
      removed_at: new Date(since).toISOString(),
    })
  },
}
