import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { Metrics } from '../lib/metrics.ts'

export type PruneConfig = Config['retention']['prune']

const DAY_MS = 86_400_000

export interface PrunerDeps {
  config: PruneConfig
  alerts: { pruneResolved(beforeMs: number): number }
  deliveries: { pruneFailed(beforeMs: number): number }
  outbox: { pruneQuarantine(beforeMs: number): Promise<number> }
  metrics: Pick<Metrics, 'pruned'>
  clock: () => number
  log: Logger
}

/**
 * Keeps the gateway's own databases from growing for ever: every `interval_ms` deletes resolved
 * alerts (and their transitions), notifications given up on and quarantine entries older than
 * their configured days (0 keeps them), and counts what went in `aedgw_pruned_total{kind}`.
 * Raw readings are InfluxDB's retention policies' business (retention.ts), not this one's.
 */
export class Pruner {
  private readonly deps: PrunerDeps
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null

  constructor(deps: PrunerDeps) {
    this.deps = deps
  }

  start(): void {
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.deps.log.error({ err }, 'pruning failed'))
    }, this.deps.config.interval_ms)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** One round; resolves with what each kind lost. */
  tick(): Promise<void> {
    if (this.running) return this.running
    this.running = this.prune().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async prune(): Promise<void> {
    const { config, clock, metrics, log } = this.deps
    const now = clock()
    const before = (days: number) => now - days * DAY_MS
    const counts: Record<string, number> = {}
    if (config.resolved_alerts_days > 0)
      counts.resolved_alerts = this.deps.alerts.pruneResolved(before(config.resolved_alerts_days))
    if (config.failed_deliveries_days > 0)
      counts.failed_deliveries = this.deps.deliveries.pruneFailed(before(config.failed_deliveries_days))
    if (config.quarantine_days > 0)
      counts.quarantine = await this.deps.outbox.pruneQuarantine(before(config.quarantine_days))
    for (const [kind, n] of Object.entries(counts)) if (n > 0) metrics.pruned.inc({ kind }, n)
    if (Object.values(counts).some((n) => n > 0)) log.info(counts, 'old entries pruned')
  }
}
