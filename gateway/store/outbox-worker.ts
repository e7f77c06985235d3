import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { runMigrations } from '../lib/migrations.ts'
import { Drain } from './drain.ts'
import { outboxMigrations } from './outbox-migrations.ts'
import type {
  OutboxRow,
  OutboxStats,
  QuarantineInput,
  QuarantineRow,
  WorkerInit,
  WorkerReply,
  WorkerRequest,
} from './outbox-protocol.ts'

// The outbox database lives on this worker thread so that no disk I/O (and no fsync of a group
// commit) ever blocks the event loop that serves MQTT and HTTP.
const init = workerData as WorkerInit
/** Page cache of each connection on this thread, in KiB when negative (SQLite's default). */
const PAGE_CACHE = -2000
const db = new Database(init.file)
db.pragma('journal_mode = WAL')
// FULL: each COMMIT fsyncs the WAL, so an acknowledged message survives a power cut
// (https://www.sqlite.org/pragma.html#pragma_synchronous). NORMAL survives a process crash only.
db.pragma(`synchronous = ${init.sync === 'full' ? 'FULL' : 'NORMAL'}`)
db.pragma('busy_timeout = 5000')
// SQLite's own default page cache (2 MB), not the 16 MB better-sqlite3 builds in: rows are read
// back soon after they are written and deleted once stored, so the pages in use are few; a
// backfill filled 16 MB per connection and kept it resident (docs/performance.md)
db.pragma(`cache_size = ${PAGE_CACHE}`)
runMigrations(db, outboxMigrations)

const insertOutbox = db.prepare('INSERT INTO outbox (cabinet, line, recv_ms) VALUES (?, ?, ?)')
const insertQuarantine = db.prepare(
  'INSERT INTO quarantine (recv_ms, cabinet, topic, stage, reason, raw) VALUES (?, ?, ?, ?, ?, ?)',
)
const selectBatch = db.prepare(
  'SELECT id, cabinet, line, recv_ms FROM outbox WHERE id > ? ORDER BY id LIMIT ?',
)
const deleteRange = db.prepare('DELETE FROM outbox WHERE id BETWEEN ? AND ?')
const selectOne = db.prepare('SELECT id, cabinet, line, recv_ms FROM outbox WHERE id = ?')
const deleteOne = db.prepare('DELETE FROM outbox WHERE id = ?')
const evictQuarantine = db.prepare('DELETE FROM quarantine WHERE id <= ?')
const pruneQuarantine = db.prepare('DELETE FROM quarantine WHERE recv_ms < ?')
const statsQuery = db.prepare(
  'SELECT count(*) AS depth, coalesce(sum(length(CAST(line AS BLOB))), 0) AS bytes, min(recv_ms) AS oldest FROM outbox',
)
const quarantineCount = db.prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS max_id FROM quarantine')
const quarantinePage = db.prepare(
  'SELECT id, recv_ms, cabinet, topic, stage, reason, raw FROM quarantine WHERE id < ? ORDER BY id DESC LIMIT ?',
)

// checkpoints of the main thread's databases, here where an fsync blocks nobody
const checkpointed = init.checkpoint_files.map((file) => {
  const other = new Database(file)
  other.pragma('busy_timeout = 5000')
  other.pragma(`cache_size = ${PAGE_CACHE}`)
  return other
})
const checkpointTimer = setInterval(() => {
  for (const other of checkpointed) {
    try {
      other.pragma('wal_checkpoint(PASSIVE)')
    } catch {
      // busy or closed: the next round tries again
    }
  }
}, init.checkpoint_interval_ms)

let quarantineMaxId = (quarantineCount.get() as { max_id: number }).max_id

function addQuarantine(rows: QuarantineInput[]): void {
  for (const q of rows) {
    const info = insertQuarantine.run(q.recv_ms, q.cabinet, q.topic, q.stage, q.reason, Buffer.from(q.raw))
    quarantineMaxId = Number(info.lastInsertRowid)
  }
  if (rows.length > 0) evictQuarantine.run(quarantineMaxId - init.quarantine_max_entries)
}

/** Returns the id of the last outbox row added (0 with none): one writer, so the ids are consecutive. */
const append = db.transaction((outbox: Array<Omit<OutboxRow, 'id'>>, quarantine: QuarantineInput[]) => {
  let last = 0
  for (const r of outbox) last = Number(insertOutbox.run(r.cabinet, r.line, r.recv_ms).lastInsertRowid)
  addQuarantine(quarantine)
  return last
})

const moveToQuarantine = db.transaction((ids: number[], reason: string) => {
  const moved: QuarantineInput[] = []
  for (const id of ids) {
    const row = selectOne.get(id) as OutboxRow | undefined
    if (!row) continue
    moved.push({
      recv_ms: row.recv_ms,
      cabinet: row.cabinet,
      topic: 'influx',
      stage: 'influx',
      reason,
      raw: Buffer.from(row.line),
    })
    deleteOne.run(id)
  }
  addQuarantine(moved)
  return moved.length
})

// the writer into InfluxDB, here next to the rows it reads (drain.ts)
let drain: Drain | null = null

function startDrain(config: Extract<WorkerRequest, { op: 'drain_start' }>['config']): boolean {
  if (drain) return false
  drain = new Drain({
    config,
    store: {
      read: (afterId, limit) => selectBatch.all(afterId, limit) as OutboxRow[],
      remove: (fromId, toId) => deleteRange.run(fromId, toId),
      moveToQuarantine: (ids, reason) => moveToQuarantine(ids, reason),
    },
    report: (report) => parentPort?.postMessage({ id: null, report } satisfies WorkerReply),
  })
  drain.start()
  return true
}

async function stopDrain(): Promise<boolean> {
  const d = drain
  drain = null
  await d?.stop()
  return true
}

function handle(req: WorkerRequest): unknown {
  switch (req.op) {
    case 'append': {
      const last = append(req.outbox, req.quarantine)
      drain?.appended(last)
      return last
    }
    case 'read':
      return selectBatch.all(req.after_id, req.limit)
    case 'delete':
      return deleteRange.run(req.from_id, req.to_id).changes
    case 'move_to_quarantine':
      return moveToQuarantine(req.ids, req.reason)
    case 'stats': {
      const s = statsQuery.get() as { depth: number; bytes: number; oldest: number | null }
      const q = quarantineCount.get() as { n: number }
      return {
        depth: s.depth,
        bytes: s.bytes,
        oldest_recv_ms: s.oldest,
        quarantined: q.n,
      } satisfies OutboxStats
    }
    case 'quarantine_list': {
      const rows = quarantinePage.all(req.before_id ?? Number.MAX_SAFE_INTEGER, req.limit) as Array<
        QuarantineRow & { raw: Buffer }
      >
      return rows.map((r) => ({ ...r, raw: new Uint8Array(r.raw) }))
    }
    case 'quarantine_prune':
      return pruneQuarantine.run(req.before_ms).changes
    case 'drain_start':
      return startDrain(req.config)
    case 'drain_stop':
      return stopDrain()
    case 'close':
      clearInterval(checkpointTimer)
      for (const other of checkpointed) {
        other.pragma('wal_checkpoint(TRUNCATE)')
        other.close()
      }
      db.close()
      return true
  }
}

function failure(id: number, err: unknown): WorkerReply {
  const e = err as { code?: string; message?: string }
  return { id, ok: false, code: e.code ?? 'UNKNOWN', message: e.message ?? String(err) }
}

parentPort?.on('message', (msg: { id: number; req: WorkerRequest }) => {
  let result: unknown
  try {
    result = handle(msg.req)
  } catch (err) {
    parentPort?.postMessage(failure(msg.id, err))
    return
  }
  // only drain_stop answers later; every other answer goes at once, in order
  if (result instanceof Promise)
    result.then(
      (r: unknown) => parentPort?.postMessage({ id: msg.id, ok: true, result: r } satisfies WorkerReply),
      (err: unknown) => parentPort?.postMessage(failure(msg.id, err)),
    )
  else parentPort?.postMessage({ id: msg.id, ok: true, result } satisfies WorkerReply)
  if (msg.req.op === 'close') parentPort?.close()
})
