import { fire } from '../rules/types.ts'
import type { AlertLifecycle } from './lifecycle.ts'

export const STORAGE_DEGRADED = 'storage_degraded'
/** The pseudo-cabinet the gateway's own alerts belong to. */
export const GATEWAY_SUBJECT = 'gateway'

export interface StorageStatus {
  /** InfluxDB took the last write. */
  influxHealthy: boolean
  influxError: string | null
  /** The outbox takes new messages (below its quota, store healthy). */
  outboxAccepting: boolean
  outboxReason: string | null
  outboxDepth: number
}

export interface StorageHealthDeps {
  lifecycle: AlertLifecycle
  status: () => StorageStatus
  graceMs: number
  clock: () => number
}

/**
 * Raises `storage_degraded` for city operations when InfluxDB has refused writes for graceMs
 * (major: readings pile up in the outbox, nothing is lost) and at once when the outbox stops
 * taking messages (critical: cabinets are no longer acknowledged). Resolves by itself.
 */
export class StorageHealth {
  private readonly deps: StorageHealthDeps
  private unhealthySince: number | null = null

  constructor(deps: StorageHealthDeps) {
    this.deps = deps
  }

  evaluate(): void {
    const s = this.deps.status()
    const now = this.deps.clock()
    if (s.influxHealthy && s.outboxAccepting) {
      this.unhealthySince = null
      this.deps.lifecycle.clear(GATEWAY_SUBJECT, STORAGE_DEGRADED)
      return
    }
    this.unhealthySince ??= now
    if (s.outboxAccepting && now - this.unhealthySince < this.deps.graceMs) return
    const summary = s.outboxAccepting
      ? `InfluxDB is not taking writes (${s.influxError ?? 'unknown error'}); ${s.outboxDepth} readings wait in the outbox`
      : `cabinets are not being acknowledged: ${s.outboxReason ?? 'outbox unavailable'}`
    this.deps.lifecycle.fire({
      cabinet: GATEWAY_SUBJECT,
      type: STORAGE_DEGRADED,
      team: 'city_ops',
      district: 'all',
      verdict: fire(s.outboxAccepting ? 'major' : 'critical', summary, this.unhealthySince, {
        outbox_depth: s.outboxDepth,
      }),
    })
  }
}
