import { CLEAR, fire, KEEP, type Rule } from './types.ts'

/** The AED's last self-test failed: it may not deliver a shock. */
export const selfTestFailed: Rule = {
  type: 'self_test_failed',
  team: 'maintenance',
  manualResolve: true,
  readiness: 'by_severity',
  holdMs: (th) => th.self_test_failed.for_ms,
  evaluate: ({ live }) => {
    if (live.self_test === 'fail')
      return fire('critical', 'AED self-test failed', live.last_self_test_ms ?? 0, {})
    return live.self_test === 'pass' ? CLEAR : KEEP
  },
}
