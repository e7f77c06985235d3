import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/** No self-test seen for 48 h (AEDs test themselves daily): the cabinet may not be reporting them. */
export const selfTestOverdue: Rule = {
  type: 'self_test_overdue',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.self_test_overdue.for_ms,
  evaluate: ({ live, now, th }) => {
    const last = live.last_self_test_ms ?? live.first_seen_ms
    if (last === null) return KEEP
    const age = now - last
    if (age <= th.self_test_overdue.after_ms) return CLEAR
    return fire('warning', `no self-test for ${Math.round(age / 3_600_000)} h`, last, {
      last_self_test: live.last_self_test_ms ? new Date(live.last_self_test_ms).toISOString() : null,
    })
  },
}
