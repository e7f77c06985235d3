import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/** Battery charge: warning under 20 %, critical under 10 % (thresholds in config). */
export const batteryLow: Rule = {
  type: 'battery_low',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.battery_low.for_ms,
  evaluate: ({ live, now, th }) => {
    const hb = live.last_heartbeat
    if (!hb) return KEEP
    const pct = hb.battery_pct
    const t = th.battery_low
    if (pct < t.critical_pct) return fire('critical', `battery at ${pct} %`, now, { battery_pct: pct })
    if (pct < t.warning_pct) return fire('warning', `battery at ${pct} %`, now, { battery_pct: pct })
    return CLEAR
  },
}
