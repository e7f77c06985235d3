import { expiryVerdict } from './expiry.ts'
import { KEEP, type Rule } from './types.ts'

/** Electrode pads past or near their expiry date (they dry out: a shock may not be delivered). */
export const padExpiry: Rule = {
  type: 'pad_expiry',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.pad_expiry.for_ms,
  evaluate: ({ live, now, th }) => {
    const hb = live.last_heartbeat
    return hb ? expiryVerdict('pads', hb.pad_expiry, now, th.pad_expiry) : KEEP
  },
}
