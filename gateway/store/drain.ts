import { HttpError } from '@influxdata/influxdb-client'
import { classify, InfluxApi, type InfluxConfig } from './influx.ts'
import { lineBytes } from './line-bytes.ts'
import type { DrainReport, OutboxRow } from './outbox-protocol.ts'

/** What the drain needs of outbox.db; synchronous, since it runs on the thread that owns it. */
export interface DrainStore {
  read(afterId: number, limit: number): OutboxRow[]
  remove(fromId: number, toId: number): void
  /** Moves the rows to the quarantine with `reason`; returns how many moved. */
  moveToQuarantine(ids: number[], reason: string): number
}

export interface DrainDeps {
  config: InfluxConfig
  store: DrainStore
  /** Tells the main thread what happened (metrics, depth, health, logs): writer.ts. */
  report: (r: DrainReport) => void
  random?: () => number
}

/**
 * The writer's loop, on the outbox's own thread (outbox-worker.ts), next to the SQLite connection
 * it reads: a batch is read, sent and deleted here, so no row crosses to the main thread and the
 * event loop that serves MQTT never builds a request body. A row leaves the outbox only after
 * InfluxDB answered 2xx. While InfluxDB is down, or answers 5xx or 429, the same batch is retried
 * with exponential back-off and full jitter. A 4xx means some lines are bad: the batch is halved
 * until the bad lines are alone, those go to the quarantine and the rest is written.
 */
export class Drain {
  private readonly deps: DrainDeps
  private readonly influx: InfluxApi
  private running = false
  private loop: Promise<void> | null = null
  private cursor = 0
  private wake: (() => void) | null = null
  private readonly inflight = new Set<Promise<void>>()
  /** When each commit's rows arrived (its last id, monotonic ms): a partial batch's age. */
  private readonly commits: Array<{ lastId: number; at: number }> = []
  private oldestPending: number | null | undefined

  constructor(deps: DrainDeps) {
    this.deps = deps
    this.influx = new InfluxApi(deps.config)
  }

  start(): void {
    this.running = true
    this.loop = this.run().catch((err: unknown) =>
      this.deps.report({ kind: 'crashed', message: String(err) }),
    )
  }

  /** Lets the batches in flight finish (or give up after a retry), then stops. */
  async stop(): Promise<void> {
    this.running = false
    this.wake?.()
    await this.loop
  }

  /** Rows up to `lastId` were just committed: a sleeping loop goes on. */
  appended(lastId: number): void {
    if (lastId <= 0) return
    this.commits.push({ lastId, at: performance.now() })
    this.wake?.()
  }

  private async run(): Promise<void> {
    const { config, store } = this.deps
    while (this.running) {
      // at most `concurrency` batches in flight: InfluxDB parses one while the next is sent
      if (this.inflight.size >= config.concurrency) {
        await Promise.race(this.inflight)
        continue
      }
      const rows = store.read(this.cursor, config.batch_lines)
      const first = rows[0]
      if (this.inflight.size === 0) this.pending(first ? first.recv_ms : null)
      if (!first) {
        if (this.inflight.size > 0) await Promise.race(this.inflight)
        else await this.sleep(config.flush_interval_ms * 4)
        continue
      }
      // a partial batch waits until its oldest line is flush_interval old, to write in bulk;
      // measured on this thread's monotonic clock, which no step of the wall clock moves
      const age = this.ageOf(first.id)
      if (rows.length < config.batch_lines && age < config.flush_interval_ms && this.running) {
        await this.sleep(config.flush_interval_ms - age, false)
        continue
      }
      // rows up to the cursor are in flight; a batch that is not done when the writer stops stays
      // in the outbox and is read again on the next start
      this.cursor = (rows[rows.length - 1] as OutboxRow).id
      while ((this.commits[0]?.lastId ?? Number.POSITIVE_INFINITY) <= this.cursor) this.commits.shift()
      const write: Promise<void> = this.writeRows(rows).then(
        () => {
          this.inflight.delete(write)
        },
        (err: unknown) => {
          this.inflight.delete(write)
          this.deps.report({ kind: 'crashed', message: String(err) })
        },
      )
      this.inflight.add(write)
    }
    await Promise.all(this.inflight)
  }

  /** Milliseconds since the row `id` was committed; rows of an earlier run are old. */
  private ageOf(id: number): number {
    const commit = this.commits.find((c) => c.lastId >= id)
    return commit ? performance.now() - commit.at : Number.POSITIVE_INFINITY
  }

  private pending(oldest: number | null): void {
    if (oldest === this.oldestPending) return
    this.oldestPending = oldest
    this.deps.report({ kind: 'pending', oldest_recv_ms: oldest })
  }

  /** Writes rows (splitting on 4xx); true once every row is written or quarantined. */
  private async writeRows(rows: OutboxRow[]): Promise<boolean> {
    const { report, store } = this.deps
    let attempt = 0
    while (this.running || attempt === 0) {
      const started = performance.now()
      try {
        await this.influx.write(rows.map((r) => r.line))
        const seconds = (performance.now() - started) / 1000
        store.remove((rows[0] as OutboxRow).id, (rows[rows.length - 1] as OutboxRow).id)
        report({ kind: 'written', rows: rows.length, bytes: byteSize(rows), seconds })
        return true
      } catch (err) {
        const { kind, retryAfterMs } = classify(err)
        const dropped = beyondRetention(err)
        const retrying = dropped === null && kind !== 'client'
        report({ kind: 'failed', failure: kind, message: messageOf(err), retrying })
        if (dropped !== null) return this.dropBeyondRetention(rows, dropped)
        if (kind === 'client') return this.splitBadLines(rows, err)
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
  private dropBeyondRetention(rows: OutboxRow[], dropped: number): boolean {
    const { report, store } = this.deps
    const byAge = [...rows].sort((a, b) => lineTime(a.line) - lineTime(b.line))
    const old = byAge.slice(0, Math.min(dropped, rows.length))
    const oldIds = new Set(old.map((r) => r.id))
    const reason = `InfluxDB 400: points beyond retention policy (dropped=${dropped})`
    const moved = store.moveToQuarantine([...oldIds], reason)
    report({ kind: 'quarantined', rows: moved, bytes: byteSize(old), reason, cabinet: null, dropped })
    const written = rows.filter((r) => !oldIds.has(r.id))
    // the batch's id range now holds only the written rows (the old ones have moved)
    if (written.length > 0) store.remove((rows[0] as OutboxRow).id, (rows[rows.length - 1] as OutboxRow).id)
    report({ kind: 'written', rows: written.length, bytes: byteSize(written), seconds: null })
    return true
  }

  private async splitBadLines(rows: OutboxRow[], err: unknown): Promise<boolean> {
    const only = rows.length === 1 ? rows[0] : undefined
    if (only) {
      const reason =
        err instanceof HttpError ? `InfluxDB ${err.statusCode}: ${err.body ?? err.message}` : String(err)
      const moved = this.deps.store.moveToQuarantine([only.id], reason.slice(0, 1000))
      this.deps.report({
        kind: 'quarantined',
        rows: moved,
        bytes: byteSize(rows),
        reason,
        cabinet: only.cabinet,
      })
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

  /** Sleeps; an append wakes it early unless `wakeable` is false (stop() always does). */
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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
