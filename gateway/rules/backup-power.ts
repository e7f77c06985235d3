import { CLEAR, fire, type Rule } from './types.ts'

/** On battery or backup power for longer than the configured time (default 30 min). */
export const backupPower: Rule = {
  type: 'backup_power',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'by_severity',
  holdMs: (th) => th.backup_power.for_ms,
  evaluate: ({ live, now, th }) => {
    const since = live.on_backup_since_ms
    if (since === null) return CLEAR
    if (now - since <= th.backup_power.after_ms) return CLEAR
    return fire(
      'warning',
      `on ${live.power ?? 'backup'} power for ${Math.round((now - since) / 60_000)} min`,
      since,
      {
        power: live.power,
      },
    )
  },
}
