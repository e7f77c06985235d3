import { expiryVerdict } from './expiry.ts'
import { KEEP, type Rule } from './types.ts'

/** The AED battery's own expiry date (distinct from its charge). */
export const batteryExpiry: Rule = {
  type: 'battery_expiry',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.battery_expiry.for_ms,
  evaluate: ({ live, now, th }) => {
    const hb = live.last_heartbeat
    return hb ? expiryVerdict('battery', hb.battery_expiry, now, th.battery_expiry) : KEEP
  },
}
