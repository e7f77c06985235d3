import { HttpError } from '@influxdata/influxdb-client'
import type { Logger } from 'pino'
import type { Metrics } from '../lib/metrics.ts'
import { classify, type InfluxApi, type InfluxConfig } from './influx.ts'
import { lineBytes, type Outbox } from './outbox.ts'
import type { OutboxRow } from './outbox-protocol.ts'

export interface WriterDeps {
  config: InfluxConfig
  influx: InfluxApi
  outbox: Outbox
  metrics: Metrics
  log: Logger
  clock: () => number
  random?: () => number
  /** Runs after ensureDatabase, before the first write (retention policies and rollups). */
  prepareDatabase?: () => Promise<void>
}

/**
 * Drains the outbox to InfluxDB in batches. A row leaves the outbox only after InfluxDB answered
 * 2xx. While InfluxDB is down, or answers 5xx or 429, the same batch is retried with exponential
 * back-off and full jitter. A 4xx means some lines are bad: the batch is halved until the bad
 * lines are alone, those go to the quarantine and the rest is written.
 */
export class Writer {
  private readonly deps: WriterDeps
  private running = false
  private loop: Promise<void> | null = null
  private cursor = 0
  private wake: (() => void) | null = null
  private readonly onAppended = () => this.wake?.()
  private healthy = false
  private lastError: string | null = null
  private dbReady = false
  private readonly inflight = new Set<Promise<void>>()
  oldestPendingMs: number | null = null

  constructor(deps: WriterDeps) {
    this.deps = deps
  }

  start(): void {
    this.running = true
    this.deps.outbox.on('appended', this.onAppended)
    this.loop = this.run().catch((err: unknown) => this.deps.log.fatal({ err }, 'writer loop crashed'))
  }

  /** Lets the batch in flight finish (or give up after a retry), then stops. */
  async stop(): Promise<void> {
    this.running = false
    this.deps.outbox.off('appended', this.onAppended)
    this.wake?.()
    await this.loop
  }

  status(): { healthy: boolean; error: string | null } {
    return { healthy: this.healthy, error: this.lastError }
  }

  private async run(): Promise<void> {
    const { config, outbox } = this.deps
    while (this.running) {
      if (!this.dbReady) {
        try {
          await this.deps.influx.ensureDatabase()
          await this.deps.prepareDatabase?.()
          this.dbReady = true
          this.markHealthy()
        } catch (err) {
          this.markFailed(err)
          await this.sleep(this.backoff(0, null))
          continue
        }
      }
      // at most `concurrency` batches in flight: InfluxDB parses one while the next is sent
      if (this.inflight.size >= config.concurrency) {
        await Promise.race(this.inflight)
        continue
      }
      const rows = await outbox.read(this.cursor, config.batch_lines)
      const first = rows[0]
      if (this.inflight.size === 0) this.oldestPendingMs = first ? first.recv_ms : null
      if (!first) {
        if (this.inflight.size > 0) await Promise.race(this.inflight)
        else await this.sleep(config.flush_interval_ms * 4)
        continue
      }
      // a partial batch waits until its oldest line is flush_interval old, to write in bulk
      // (a clock stepped back makes the age negative: write at once rather than wait for it)
      const age = this.deps.clock() - first.recv_ms
      if (rows.length < config.batch_lines && age >= 0 && age < config.flush_interval_ms && this.running) {
        await this.sleep(config.flush_interval_ms - age, false)
        continue
      }
      // rows up to the cursor are in flight; a batch that is not done when the writer stops stays
      // in the outbox and is read again on the next start
      this.cursor = (rows[rows.length - 1] as OutboxRow).id
      const write: Promise<void> = this.writeRows(rows).then(
        () => {
          this.inflight.delete(write)
        },
        (err: unknown) => {
          this.inflight.delete(write)
          this.deps.log.error({ err }, 'batch write failed unexpectedly')
        },
      )
      this.inflight.add(write)
    }
    await Promise.all(this.inflight)
  }

  /** Writes rows (splitting on 4xx); true once every row is written or quarantined. */
  private async writeRows(rows: OutboxRow[]): Promise<boolean> {
    const { influx, metrics, outbox } = this.deps
    let attempt = 0
    while (this.running || attempt === 0) {
      const started = performance.now()
      try {
        await influx.write(rows.map((r) => r.line))
        metrics.influxWriteSeconds.observe((performance.now() - started) / 1000)
        metrics.influxLines.inc(rows.length)
        const first = rows[0] as OutboxRow
        const last = rows[rows.length - 1] as OutboxRow
        await outbox.remove(first.id, last.id, rows.length, byteSize(rows))
        this.markHealthy()
        return true
      } catch (err) {
        const { kind, retryAfterMs } = classify(err)
        metrics.influxWriteFailures.inc({ kind })
        const dropped = beyondRetention(err)
        if (dropped !== null) return this.dropBeyondRetention(rows, dropped)
        if (kind === 'client') return this.splitBadLines(rows, err)
        this.markFailed(err)
        attempt++
        if (!this.running) return false
        await this.sleep(this.backoff(attempt, retryAfterMs))
      }
    }
    return false
  }

  /**
   * InfluxDB 1.x wrote the batch except `dropped` points older than the retention policy (a 400
   * "partial write: points beyond retention policy dropped=N", checked against influxd 1.6): the
   * oldest `dropped` lines go to the quarantine, the rest leave the outbox as written. No
   * bisection: halving would only meet the same answer again and again.
   */
  private async dropBeyondRetention(rows: OutboxRow[], dropped: number): Promise<boolean> {
    const byAge = [...rows].sort((a, b) => lineTime(a.line) - lineTime(b.line))
    const old = byAge.slice(0, Math.min(dropped, rows.length))
    const oldIds = new Set(old.map((r) => r.id))
    const reason = `InfluxDB 400: points beyond retention policy (dropped=${dropped})`
    this.deps.log.warn({ dropped }, 'lines beyond the retention policy: quarantined')
    await this.deps.outbox.moveToQuarantine([...oldIds], byteSize(old), reason)
    this.deps.metrics.quarantined.inc({ stage: 'influx' }, old.length)
    const written = rows.filter((r) => !oldIds.has(r.id))
    const first = rows[0] as OutboxRow
    const last = rows[rows.length - 1] as OutboxRow
    // the batch's id range now holds only the written rows (the old ones have moved)
    if (written.length > 0)
      await this.deps.outbox.remove(first.id, last.id, written.length, byteSize(written))
    this.deps.metrics.influxLines.inc(written.length)
    this.markHealthy()
    return true
  }

  private async splitBadLines(rows: OutboxRow[], err: unknown): Promise<boolean> {
    if (rows.length === 1) {
      const reason =
        err instanceof HttpError ? `InfluxDB ${err.statusCode}: ${err.body ?? err.message}` : String(err)
      this.deps.log.warn({ cabinet: rows[0]?.cabinet, reason }, 'line refused by InfluxDB: quarantined')
      await this.deps.outbox.moveToQuarantine([rows[0]?.id as number], byteSize(rows), reason.slice(0, 1000))
      this.deps.metrics.quarantined.inc({ stage: 'influx' })
      return true
    }
    const mid = Math.ceil(rows.length / 2)
    const left = await this.writeRows(rows.slice(0, mid))
    if (!left) return false
    return this.writeRows(rows.slice(mid))
  }

  private backoff(attempt: number, retryAfterMs: number | null): number {
    const cfg = this.deps.config
    const cap = Math.min(cfg.retry_max_ms, cfg.retry_base_ms * 2 ** Math.min(attempt, 20))
    const jittered = (this.deps.random ?? Math.random)() * cap
    return Math.max(retryAfterMs ?? 0, jittered, 10)
  }

  private markHealthy(): void {
    if (!this.healthy) this.deps.log.info('InfluxDB reachable: writing')
    this.healthy = true
    this.lastError = null
  }

  private markFailed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err)
    if (this.healthy || this.lastError === null)
      this.deps.log.warn({ err: message }, 'InfluxDB write failed: retrying')
    this.healthy = false
    this.lastError = message
  }

  /** Sleeps; an append wakes it early unless `wakeable` is false. */
  private sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(timer)
        if (self.wake === done) self.wake = null
        resolve()
      }
      this.wake = wakeable ? done : () => (this.running ? undefined : done())
    })
  }
}

const BEYOND_RETENTION = /points beyond retention policy dropped=(\d+)/

/** The number of points InfluxDB dropped as beyond its retention policy, or null. */
function beyondRetention(err: unknown): number | null {
  if (!(err instanceof HttpError) || err.statusCode !== 400) return null
  const m = BEYOND_RETENTION.exec(`${err.body ?? ''} ${err.message}`)
  return m ? Number(m[1]) : null
}

/** A line's timestamp (its last field), for ordering; lines without one sort last. */
function lineTime(line: string): number {
  const t = Number(line.slice(line.lastIndexOf(' ') + 1))
  return Number.isFinite(t) ? t : Number.POSITIVE_INFINITY
}

function byteSize(rows: OutboxRow[]): number {
  let n = 0
  for (const r of rows) n += lineBytes(r.line)
  return n
}
