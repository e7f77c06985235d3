import type { Logger } from 'pino'
import type { Metrics } from '../lib/metrics.ts'
import type { InfluxApi, InfluxConfig } from './influx.ts'
import type { Outbox } from './outbox.ts'
import type { DrainReport } from './outbox-protocol.ts'

export interface WriterDeps {
  config: InfluxConfig
  influx: InfluxApi
  outbox: Outbox
  metrics: Metrics
  log: Logger
  random?: () => number
  /** Runs after ensureDatabase, before the first write (retention policies and rollups). */
  prepareDatabase?: () => Promise<void>
}

/**
 * Drains the outbox to InfluxDB in batches. The batches are read, sent and deleted on the
 * outbox's own thread (drain.ts), next to its SQLite connection: the rows never cross to this
 * thread, which only prepares the database first and then keeps the metrics, the outbox's depth
 * and the health that /readyz reports from what the drain tells it. A row leaves the outbox only
 * after InfluxDB answered 2xx; 5xx, 429 and a network failure are retried with back-off and full
 * jitter; a 4xx is halved until the refused lines are alone, and those go to the quarantine.
 */
export class Writer {
  private readonly deps: WriterDeps
  private running = false
  private loop: Promise<void> | null = null
  private wake: (() => void) | null = null
  private healthy = false
  private lastError: string | null = null
  private draining = false
  oldestPendingMs: number | null = null

  constructor(deps: WriterDeps) {
    this.deps = deps
  }

  start(): void {
    this.running = true
    this.loop = this.run().catch((err: unknown) => this.deps.log.fatal({ err }, 'writer loop crashed'))
  }

  /** Lets the batch in flight finish (or give up after a retry), then stops. */
  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
    if (this.draining) await this.deps.outbox.stopDrain()
    this.draining = false
  }

  status(): { healthy: boolean; error: string | null } {
    return { healthy: this.healthy, error: this.lastError }
  }

  /** Creates the database and its policies (retrying until InfluxDB answers), then starts the drain. */
  private async run(): Promise<void> {
    for (let attempt = 0; this.running; attempt++) {
      try {
        await this.deps.influx.ensureDatabase()
        await this.deps.prepareDatabase?.()
        break
      } catch (err) {
        this.markFailed(err instanceof Error ? err.message : String(err))
        await this.sleep(this.backoff(attempt))
      }
    }
    if (!this.running) return
    this.markHealthy()
    this.draining = true
    await this.deps.outbox.startDrain(this.deps.config, (r) => this.onReport(r))
  }

  private onReport(r: DrainReport): void {
    const { metrics, log } = this.deps
    switch (r.kind) {
      case 'written':
        if (r.seconds !== null) metrics.influxWriteSeconds.observe(r.seconds)
        metrics.influxLines.inc(r.rows)
        this.deps.outbox.left(r.rows, r.bytes)
        this.markHealthy()
        return
      case 'failed':
        metrics.influxWriteFailures.inc({ kind: r.failure })
        if (r.retrying) this.markFailed(r.message)
        return
      case 'quarantined':
        this.deps.outbox.left(r.rows, r.bytes, true)
        metrics.quarantined.inc({ stage: 'influx' }, r.rows)
        if (r.dropped !== undefined)
          log.warn({ dropped: r.dropped }, 'lines beyond the retention policy: quarantined')
        else log.warn({ cabinet: r.cabinet, reason: r.reason }, 'line refused by InfluxDB: quarantined')
        return
      case 'pending':
        this.oldestPendingMs = r.oldest_recv_ms
        return
      case 'crashed':
        log.error({ err: r.message }, 'batch write failed unexpectedly')
        return
    }
  }

  /** The wait before preparing the database again: doubling from retry_base_ms, full jitter. */
  private backoff(attempt: number): number {
    const cfg = this.deps.config
    const cap = Math.min(cfg.retry_max_ms, cfg.retry_base_ms * 2 ** Math.min(attempt, 20))
    return Math.max((this.deps.random ?? Math.random)() * cap, 10)
  }

  private markHealthy(): void {
    if (!this.healthy) this.deps.log.info('InfluxDB reachable: writing')
    this.healthy = true
    this.lastError = null
  }

  private markFailed(message: string): void {
    if (this.healthy || this.lastError === null)
      this.deps.log.warn({ err: message }, 'InfluxDB write failed: retrying')
    this.healthy = false
    this.lastError = message
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(timer)
        if (self.wake === done) self.wake = null
        resolve()
      }
      this.wake = done
    })
  }
}
