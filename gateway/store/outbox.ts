import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import type { InfluxConfig } from './influx.ts'
import { lineBytes } from './line-bytes.ts'
import { type LaneEntry, PriorityLane } from './outbox-lane.ts'
import type { OutboxRow, OutboxStats, QuarantineInput, QuarantineRow } from './outbox-protocol.ts'
import { OutboxThread } from './outbox-thread.ts'
import { Settler } from './settler.ts'

export { lineBytes } from './line-bytes.ts'

export interface OutboxDeps {
  dataDir: string
  sync: 'full' | 'normal'
  maxBatch: number
  maxBytes: number
  quarantineMaxEntries: number
  /** WAL databases of the main thread whose checkpoints the outbox's thread runs. */
  checkpointFiles?: string[]
  log: Logger
  clock: () => number
}

interface PendingEntry {
  row?: Omit<OutboxRow, 'id'>
  quarantine?: QuarantineInput
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * The durable outbox: every accepted line and every quarantined payload is committed here before
 * its PUBACK. Appends made while a commit is running are grouped into the next commit, so the
 * cost of one fsync is shared by everything that arrived meanwhile (group commit).
 *
 * Events take a priority lane (`appendUrgent`, outbox-lane.ts): their own file and thread,
 * committed and fsynced at once, then carried into outbox.db with the next group commit. The
 * writer runs on outbox.db's thread (`startDrain`, drain.ts) and reads rows there as they commit.
 */
export class Outbox {
  private readonly deps: OutboxDeps
  private main: OutboxThread | null = null
  private laneThread: OutboxThread | null = null
  private lane: PriorityLane | null = null
  private pending: PendingEntry[] = []
  /** Resolutions of committed appends, settled in commit order a slice of a turn at a time. */
  private readonly settler = new Settler()
  private committing = false
  private scheduled = false
  private depth = 0
  private bytes = 0
  /** Bytes of lines waiting for the commit in progress or the next one. */
  private pendingBytes = 0
  private lastError: string | null = null
  private lastErrorAt = 0
  readonly stats = { commits: 0, committed: 0, quarantined: 0 }

  constructor(deps: OutboxDeps) {
    this.deps = deps
  }

  async start(): Promise<void> {
    mkdirSync(this.deps.dataDir, { recursive: true })
    const init = {
      file: join(this.deps.dataDir, 'outbox.db'),
      sync: this.deps.sync,
      quarantine_max_entries: this.deps.quarantineMaxEntries,
      checkpoint_files: this.deps.checkpointFiles ?? [],
      checkpoint_interval_ms: 2000,
    }
    const failed = (err: Error) => {
      this.lastError = err.message
      this.lastErrorAt = this.deps.clock()
    }
    this.main = new OutboxThread(init, failed)
    this.laneThread = new OutboxThread(
      { ...init, file: join(this.deps.dataDir, 'outbox-urgent.db'), checkpoint_files: [] },
      failed,
    )
    this.lane = new PriorityLane({
      thread: this.laneThread,
      log: this.deps.log,
      committed: (rows, bytes) => this.laneCommitted(rows, bytes),
      failed: (err, batch, bytes) => {
        this.pendingBytes -= bytes
        this.commitFailed(err, batch)
      },
    })
    this.main.start()
    this.laneThread.start()
    await this.lane.carryOver(this.main)
    const s = await this.stats_()
    this.depth = s.depth
    this.bytes = s.bytes
    this.deps.log.info({ depth: s.depth, bytes: s.bytes, quarantined: s.quarantined }, 'outbox open')
  }

  async stop(): Promise<void> {
    if (!this.main) return
    await this.stopDrain()
    while (this.busy()) await new Promise((r) => setTimeout(r, 5))
    await this.laneThread?.stop()
    await this.main.stop()
    this.main = null
    this.laneThread = null
    this.lane = null
  }

  /** What stop() waits for; lane rows not carried after a failed commit wait in their file. */
  private busy(): boolean {
    const lane = this.lane
    if (this.committing || this.pending.length + this.settler.waiting() > 0 || lane?.busy()) return true
    return (lane?.waitingRows() ?? 0) > 0 && this.lastError === null
  }

  /** Is there room for more? False past the byte quota or after a failed commit. */
  accepting(): { ok: true } | { ok: false; reason: string } {
    if (!this.main) return { ok: false, reason: 'outbox closed' }
    const used = this.bytes + this.pendingBytes
    if (used >= this.deps.maxBytes)
      return { ok: false, reason: `outbox full: ${used} of ${this.deps.maxBytes} bytes` }
    // after a failed commit, refuse for a moment, then let traffic probe the store again
    if (this.lastError && this.deps.clock() - this.lastErrorAt < 1000)
      return { ok: false, reason: `outbox store error: ${this.lastError}` }
    return { ok: true }
  }

  /** Resolves once the line is committed to disk. */
  append(cabinet: string, line: string, recvMs: number): Promise<void> {
    // SQLite would keep a lone surrogate as bytes that read back as three U+FFFD: store the
    // well-formed string, so the bytes counted in are the bytes counted out (lineBytes)
    const stored = line.isWellFormed() ? line : line.toWellFormed()
    this.pendingBytes += lineBytes(stored)
    return this.enqueue({ cabinet, line: stored, recv_ms: recvMs })
  }

  /**
   * Resolves once the line is committed to disk by the priority lane: its own commit and fsync,
   * started at once, not grouped with heartbeats (events: a door opened, an AED removed, tamper).
   */
  appendUrgent(cabinet: string, line: string, recvMs: number): Promise<void> {
    const lane = this.lane
    if (!lane) return Promise.reject(new AedgwError('AEDGW_ERR_OUTBOX', 'outbox is not open'))
    const stored = line.isWellFormed() ? line : line.toWellFormed()
    this.pendingBytes += lineBytes(stored)
    return new Promise<void>((resolve, reject) =>
      lane.append({ row: { cabinet, line: stored, recv_ms: recvMs }, resolve, reject }),
    )
  }

  /** Resolves once the rejected payload is committed to the quarantine. */
  quarantine(q: QuarantineInput): Promise<void> {
    return this.enqueue(undefined, q)
  }

  /** Rows of outbox.db after `afterId`, once every lane row committed so far was carried there. */
  async read(afterId: number, limit: number): Promise<OutboxRow[]> {
    await this.lane?.whenCarried()
    return (await this.call({ op: 'read', after_id: afterId, limit })) as OutboxRow[]
  }

  /** Drops rows fromId..toId after InfluxDB took them; `bytes` is what they weighed. */
  async remove(fromId: number, toId: number, count: number, bytes: number): Promise<void> {
    await this.call({ op: 'delete', from_id: fromId, to_id: toId })
    this.left(count, bytes)
  }

  async moveToQuarantine(ids: number[], bytes: number, reason: string): Promise<void> {
    const moved = (await this.call({ op: 'move_to_quarantine', ids, reason })) as number
    this.left(moved, bytes, true)
  }

  /** Starts the writer on the outbox's thread (drain.ts); `onReport` hears what it did (writer.ts). */
  startDrain(config: InfluxConfig, onReport: NonNullable<OutboxThread['onReport']>): Promise<unknown> {
    if (this.main) this.main.onReport = onReport
    return this.call({ op: 'drain_start', config })
  }

  /** Lets the writer's batches in flight finish (or give up after a retry), then stops it. */
  async stopDrain(): Promise<void> {
    const main = this.main
    if (!main?.onReport) return
    await main.call({ op: 'drain_stop' })
    main.onReport = null
  }

  /** Rows that left outbox.db (written to InfluxDB or moved to the quarantine) and their bytes. */
  left(rows: number, bytes: number, quarantined = false): void {
    if (quarantined) this.stats.quarantined += rows
    this.depth -= rows
    this.bytes = Math.max(0, this.bytes - bytes)
  }

  listQuarantine(beforeId: number | null, limit: number): Promise<QuarantineRow[]> {
    return this.call({ op: 'quarantine_list', before_id: beforeId, limit }) as Promise<QuarantineRow[]>
  }

  /** Deletes quarantine entries that arrived before `beforeMs`; resolves with how many. */
  pruneQuarantine(beforeMs: number): Promise<number> {
    return this.call({ op: 'quarantine_prune', before_ms: beforeMs }) as Promise<number>
  }

  snapshot(): { depth: number; bytes: number; error: string | null } {
    return { depth: this.depth, bytes: this.bytes, error: this.lastError }
  }

  stats_(): Promise<OutboxStats> {
    return this.call({ op: 'stats' }) as Promise<OutboxStats>
  }

  private enqueue(row: PendingEntry['row'], quarantine?: QuarantineInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, quarantine, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.committing || this.scheduled) return
    this.scheduled = true
    // setImmediate lets every PUBLISH parsed from the same socket reads join this commit
    setImmediate(() => {
      this.scheduled = false
      void this.commit()
    })
  }

  private async commit(): Promise<void> {
    const lane = this.lane
    if (this.committing || !lane || this.pending.length + lane.waitingRows() === 0) return
    this.committing = true
    // lane rows first: the writer may be waiting for them
    const carry = lane.take()
    const batch = this.pending.splice(0, Math.max(1, this.deps.maxBatch - carry.length))
    const outbox: Array<Omit<OutboxRow, 'id'>> = carry.map((c) => c.row)
    const quarantine: QuarantineInput[] = []
    let bytes = 0
    for (const e of batch) {
      if (e.row) {
        outbox.push(e.row)
        bytes += lineBytes(e.row.line)
      }
      if (e.quarantine) quarantine.push(e.quarantine)
    }
    try {
      await this.call({ op: 'append', outbox, quarantine })
      // lane rows were counted when the lane committed them
      this.bytes += bytes
      this.depth += outbox.length - carry.length
      this.stats.commits++
      this.stats.committed += outbox.length - carry.length
      this.stats.quarantined += quarantine.length
      this.lastError = null
      this.settle(batch)
      lane.carried(carry)
    } catch (err) {
      this.commitFailed(err as Error, batch)
      // still safe in the lane's file: carried with the next commit that new appends start (not
      // retried at once, which would spin on a store that keeps failing)
      lane.putBack(carry)
    } finally {
      this.pendingBytes -= bytes
      this.committing = false
      if (this.pending.length > 0 || (lane.waitingRows() > 0 && this.lastError === null)) this.schedule()
    }
  }

  /** A priority lane commit is on disk: its rows count in the outbox, and are carried next. */
  private laneCommitted(rows: number, bytes: number): void {
    this.pendingBytes -= bytes
    this.bytes += bytes
    this.depth += rows
    this.stats.commits++
    this.stats.committed += rows
    this.lastError = null
    this.schedule()
  }

  private settle(batch: PendingEntry[]): void {
    this.settler.add(batch.map((e) => e.resolve))
  }

  private commitFailed(err: Error, batch: Array<PendingEntry | LaneEntry>): void {
    this.lastError = err.message
    this.lastErrorAt = this.deps.clock()
    this.deps.log.error({ err }, 'outbox commit failed: messages not acknowledged')
    const e = new AedgwError('AEDGW_ERR_OUTBOX', `outbox commit failed: ${err.message}`)
    for (const w of batch) w.reject(e)
  }

  private call(req: Parameters<OutboxThread['call']>[0]): Promise<unknown> {
    if (!this.main) return Promise.reject(new AedgwError('AEDGW_ERR_OUTBOX', 'outbox is not open'))
    return this.main.call(req)
  }
}
