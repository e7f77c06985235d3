import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/**
 * Cabinet temperature: AED makers specify storage up to about 50 °C; pads and batteries degrade
 * above it. Warning above 45, critical above 50, clear only below 43 (hysteresis, so a value
 * hovering at the threshold does not flap).
 */
export const temperature: Rule = {
  type: 'temperature',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.temperature.for_ms,
  evaluate: ({ live, now, th }) => {
    const t = live.last_heartbeat?.temp_c
    if (t === undefined) return KEEP
    const c = th.temperature
    if (t > c.critical_above_c) return fire('critical', `cabinet at ${t} °C`, now, { temp_c: t })
    if (t > c.warning_above_c) return fire('warning', `cabinet at ${t} °C`, now, { temp_c: t })
    return t < c.clear_below_c ? CLEAR : KEEP
  },
}
