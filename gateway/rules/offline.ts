import { CLEAR, fire, KEEP, type Rule, type RuleInput } from './types.ts'

/** Expected time between heartbeats: registration, else the heartbeat's own interval_s, else config. */
export function heartbeatIntervalMs({ live, info, th }: Pick<RuleInput, 'live' | 'info' | 'th'>): number {
  const s =
    info?.heartbeat_interval_s ?? live.last_heartbeat?.interval_s ?? th.offline.default_heartbeat_interval_s
  return s * 1000
}

/**
 * Offline from the last will or a lost connection (after a grace period that absorbs flapping),
 * or from missing heartbeats (no heartbeat for `missed_heartbeats` intervals).
 */
export const offline: Rule = {
  type: 'offline',
  team: 'maintenance',
  manualResolve: false,
  readiness: 'offline',
  holdMs: (th) => th.offline.for_ms,
  evaluate: (input) => {
    const { live, now, th } = input
    if (live.last_seen_ms === null) return KEEP
    const t = th.offline
    if (live.offline_since_ms !== null && now - live.offline_since_ms >= t.grace_ms) {
      return fire('major', 'cabinet offline (connection lost)', live.offline_since_ms, {
        cause: 'connection',
        since: new Date(live.offline_since_ms).toISOString(),
      })
    }
    const last = live.last_heartbeat_ms
    const interval = heartbeatIntervalMs(input)
    if (last !== null && now - last >= t.missed_heartbeats * interval) {
      return fire('major', `no heartbeat for ${Math.round((now - last) / 60_000)} min`, last, {
        cause: 'heartbeats',
        last_heartbeat: new Date(last).toISOString(),
      })
    }
    if (live.offline_since_ms !== null) return KEEP // within the grace period: no change
    return CLEAR
  },
}
