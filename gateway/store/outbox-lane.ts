import type { Logger } from 'pino'
import { lineBytes } from './line-bytes.ts'
import type { OutboxRow } from './outbox-protocol.ts'
import type { OutboxThread } from './outbox-thread.ts'

type Row = Omit<OutboxRow, 'id'>

export interface LaneEntry {
  row: Row
  resolve: () => void
  reject: (err: Error) => void
}

/** A row committed to the lane's file, waiting to be carried into outbox.db. */
export interface LaneRow {
  laneId: number
  row: Row
}

export interface LaneDeps {
  /** The lane's own file (outbox-urgent.db) on its own thread. */
  thread: OutboxThread
  log: Logger
  /** A lane commit is on disk (before its appends resolve): count it, schedule its carrying. */
  committed: (rows: number, bytes: number) => void
  failed: (err: Error, batch: LaneEntry[], bytes: number) => void
}

/**
 * The outbox's priority lane for events (a door opened, an AED removed, tamper, power lost):
 * whatever waits is committed at once in one transaction of its own SQLite file, fsynced, on its
 * own thread, so an event waits for its own small commit and never behind a group of up to
 * max_batch heartbeats on outbox.db's thread. The outbox then carries lane rows into outbox.db
 * with its next group commit (`take`), and they leave the lane (`carried`). What a crash left in
 * the lane is carried at the next start (`carryOver`); a row carried but not yet deleted is then
 * written twice: the same point, which InfluxDB overwrites.
 */
export class PriorityLane {
  private readonly deps: LaneDeps
  private pending: LaneEntry[] = []
  private committing = false
  private rows: LaneRow[] = []
  /** Rows committed to the lane, and of those carried into outbox.db, since start. */
  private committedCount = 0
  private carriedCount = 0
  private waiters: Array<{ target: number; resolve: () => void }> = []

  constructor(deps: LaneDeps) {
    this.deps = deps
  }

  append(entry: LaneEntry): void {
    this.pending.push(entry)
    void this.commit()
  }

  /** Appends waiting or being committed (rows waiting to be carried are `waitingRows`). */
  busy(): boolean {
    return this.committing || this.pending.length > 0
  }

  waitingRows(): number {
    return this.rows.length
  }

  /** The rows to carry into outbox.db with the next group commit. */
  take(): LaneRow[] {
    return this.rows.splice(0)
  }

  /** The group commit carrying them failed: they go with the next one. */
  putBack(rows: LaneRow[]): void {
    this.rows.unshift(...rows)
  }

  /** `rows` (taken in order) are in outbox.db: they leave the lane, and readers waiting go on. */
  carried(rows: LaneRow[]): void {
    const first = rows[0]
    const last = rows.at(-1)
    if (!first || !last) return
    this.deps.thread
      .call({ op: 'delete', from_id: first.laneId, to_id: last.laneId })
      .catch((err: unknown) => {
        // already in outbox.db; the next start carries them again (the same points)
        this.deps.log.warn({ err }, 'outbox: carried priority lane rows not deleted from the lane')
      })
    this.carriedCount += rows.length
    const waiting = this.waiters
    this.waiters = waiting.filter((w) => w.target > this.carriedCount)
    for (const w of waiting) if (w.target <= this.carriedCount) w.resolve()
  }

  /** Resolves once every row committed to the lane so far is in outbox.db. */
  whenCarried(): Promise<void> {
    const target = this.committedCount
    if (this.carriedCount >= target) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ target, resolve }))
  }

  /** At start: rows a previous run left in the lane go into outbox.db (through `main`) now. */
  async carryOver(main: OutboxThread): Promise<void> {
    const { thread, log } = this.deps
    const left = (await thread.call({
      op: 'read',
      after_id: 0,
      limit: Number.MAX_SAFE_INTEGER,
    })) as OutboxRow[]
    const first = left[0]
    const last = left.at(-1)
    if (!first || !last) return
    const outbox = left.map(({ cabinet, line, recv_ms }) => ({ cabinet, line, recv_ms }))
    await main.call({ op: 'append', outbox, quarantine: [] })
    await thread.call({ op: 'delete', from_id: first.id, to_id: last.id })
    log.info({ rows: left.length }, 'outbox: priority lane rows carried over from the last run')
  }

  private async commit(): Promise<void> {
    if (this.committing || this.pending.length === 0) return
    this.committing = true
    const batch = this.pending.splice(0)
    const rows = batch.map((e) => e.row)
    const bytes = rows.reduce((n, r) => n + lineBytes(r.line), 0)
    try {
      const lastId = (await this.deps.thread.call({ op: 'append', outbox: rows, quarantine: [] })) as number
      this.committedCount += rows.length
      for (const [i, row] of rows.entries()) this.rows.push({ laneId: lastId - rows.length + 1 + i, row })
      this.deps.committed(rows.length, bytes)
      // resolved at once, ahead of any heartbeat group still to settle: the point of the lane
      for (const e of batch) e.resolve()
    } catch (err) {
      this.deps.failed(err as Error, batch, bytes)
    } finally {
      this.committing = false
      if (this.pending.length > 0) void this.commit()
    }
  }
}
