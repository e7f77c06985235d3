import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import { spawnModuleWorker } from '../lib/worker.ts'
import type {
  OutboxRow,
  OutboxStats,
  QuarantineInput,
  QuarantineRow,
  WorkerInit,
  WorkerReply,
  WorkerRequest,
} from './outbox-protocol.ts'

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
 * Emits 'appended' after each commit.
 */
export class Outbox extends EventEmitter {
  private readonly deps: OutboxDeps
  private worker: Worker | null = null
  private nextId = 1
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private pending: PendingEntry[] = []
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
    super()
    this.deps = deps
  }

  async start(): Promise<void> {
    mkdirSync(this.deps.dataDir, { recursive: true })
    const init: WorkerInit = {
      file: join(this.deps.dataDir, 'outbox.db'),
      sync: this.deps.sync,
      quarantine_max_entries: this.deps.quarantineMaxEntries,
      checkpoint_files: this.deps.checkpointFiles ?? [],
      checkpoint_interval_ms: 2000,
    }
    this.worker = spawnModuleWorker(new URL('./outbox-worker.ts', import.meta.url), init)
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply))
    this.worker.on('error', (err) => this.failAll(err))
    this.worker.on('exit', (code) => this.failAll(new Error(`outbox worker exited with code ${code}`)))
    const s = await this.stats_()
    this.depth = s.depth
    this.bytes = s.bytes
    this.deps.log.info({ depth: s.depth, bytes: s.bytes, quarantined: s.quarantined }, 'outbox open')
  }

  async stop(): Promise<void> {
    if (!this.worker) return
    while (this.committing || this.pending.length > 0) await new Promise((r) => setTimeout(r, 5))
    await this.call({ op: 'close' })
    await this.worker.terminate()
    this.worker = null
  }

  /** Is there room for more? False past the byte quota or after a failed commit. */
  accepting(): { ok: true } | { ok: false; reason: string } {
    if (!this.worker) return { ok: false, reason: 'outbox closed' }
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
    return this.enqueue({ row: { cabinet, line: stored, recv_ms: recvMs } })
  }

  /** Resolves once the rejected payload is committed to the quarantine. */
  quarantine(q: QuarantineInput): Promise<void> {
    return this.enqueue({ quarantine: q })
  }

  read(afterId: number, limit: number): Promise<OutboxRow[]> {
    return this.call({ op: 'read', after_id: afterId, limit }) as Promise<OutboxRow[]>
  }

  /** Drops rows fromId..toId after InfluxDB took them; `bytes` is what they weighed. */
  async remove(fromId: number, toId: number, count: number, bytes: number): Promise<void> {
    await this.call({ op: 'delete', from_id: fromId, to_id: toId })
    this.depth -= count
    this.bytes = Math.max(0, this.bytes - bytes)
  }

  async moveToQuarantine(ids: number[], bytes: number, reason: string): Promise<void> {
    const moved = (await this.call({ op: 'move_to_quarantine', ids, reason })) as number
    this.depth -= moved
    this.bytes = Math.max(0, this.bytes - bytes)
    this.stats.quarantined += moved
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

  private enqueue(entry: Pick<PendingEntry, 'row' | 'quarantine'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...entry, resolve, reject })
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
    if (this.committing || this.pending.length === 0) return
    this.committing = true
    const batch = this.pending.splice(0, this.deps.maxBatch)
    const outbox: Array<Omit<OutboxRow, 'id'>> = []
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
      this.bytes += bytes
      this.depth += outbox.length
      this.stats.commits++
      this.stats.committed += outbox.length
      this.stats.quarantined += quarantine.length
      this.lastError = null
      for (const e of batch) e.resolve()
      if (outbox.length > 0) this.emit('appended')
    } catch (err) {
      this.lastError = (err as Error).message
      this.lastErrorAt = this.deps.clock()
      this.deps.log.error({ err }, 'outbox commit failed: messages not acknowledged')
      const e = new AedgwError('AEDGW_ERR_OUTBOX', `outbox commit failed: ${(err as Error).message}`)
      for (const w of batch) w.reject(e)
    } finally {
      this.pendingBytes -= bytes
      this.committing = false
      if (this.pending.length > 0) this.schedule()
    }
  }

  private call(req: WorkerRequest): Promise<unknown> {
    const worker = this.worker
    if (!worker) return Promise.reject(new AedgwError('AEDGW_ERR_OUTBOX', 'outbox is not open'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject })
      worker.postMessage({ id, req })
    })
  }

  private onReply(reply: WorkerReply): void {
    const call = this.calls.get(reply.id)
    if (!call) return
    this.calls.delete(reply.id)
    if (reply.ok) call.resolve(reply.result)
    else call.reject(new AedgwError('AEDGW_ERR_OUTBOX', `${reply.code}: ${reply.message}`))
  }

  private failAll(err: Error): void {
    this.lastError = err.message
    this.lastErrorAt = this.deps.clock()
    for (const c of this.calls.values()) c.reject(err)
    this.calls.clear()
  }
}

/**
 * The one measure of the outbox quota, used both when a line goes in and when it leaves: its
 * UTF-8 length, as SQLite stores it (`length(CAST(line AS BLOB))` at open).
 */
export function lineBytes(line: string): number {
  return Buffer.byteLength(line)
}
