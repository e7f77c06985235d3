import { fire, KEEP, type Rule } from './types.ts'

/** A tamper event. Nothing on the cabinet says it is over: a person resolves it. */
export const tamper: Rule = {
  type: 'tamper',
  team: 'maintenance',
  manualResolve: true,
  readiness: 'by_severity',
  holdMs: (th) => th.tamper.for_ms,
  evaluate: ({ live }) =>
    live.tamper_at_ms === null
      ? KEEP
      : fire('major', 'tamper detected', live.tamper_at_ms, { detail: live.tamper_detail }),
}
