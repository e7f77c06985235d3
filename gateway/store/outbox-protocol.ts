import type { InfluxConfig } from './influx.ts'

/** Messages between the outbox facade (main thread) and its worker, which owns outbox.db. */

export interface OutboxRow {
  id: number
  cabinet: string
  line: string
  recv_ms: number
}

export interface QuarantineInput {
  recv_ms: number
  cabinet: string
  topic: string
  /** 'ingest': refused by validation; 'influx': refused by InfluxDB (4xx). */
  stage: 'ingest' | 'influx'
  reason: string
  raw: Uint8Array
}

export interface QuarantineRow extends QuarantineInput {
  id: number
}

export interface OutboxStats {
  depth: number
  bytes: number
  oldest_recv_ms: number | null
  quarantined: number
}

export type WorkerRequest =
  /** Answers the id of the last outbox row added (0 with none). */
  | { op: 'append'; outbox: Array<Omit<OutboxRow, 'id'>>; quarantine: QuarantineInput[] }
  | { op: 'read'; after_id: number; limit: number }
  | { op: 'delete'; from_id: number; to_id: number }
  | { op: 'move_to_quarantine'; ids: number[]; reason: string }
  | { op: 'stats' }
  | { op: 'quarantine_list'; before_id: number | null; limit: number }
  | { op: 'quarantine_prune'; before_ms: number }
  /** Starts the writer on the worker (drain.ts); it answers with reports from then on. */
  | { op: 'drain_start'; config: InfluxConfig }
  /** Answers once the batches in flight are done (or given up after a retry). */
  | { op: 'drain_stop' }
  | { op: 'close' }

/** What the writer on the worker tells the main thread: metrics, outbox depth, health, logs. */
export type DrainReport =
  /** Rows written and deleted; `seconds` is the write request's duration (null: not timed). */
  | { kind: 'written'; rows: number; bytes: number; seconds: number | null }
  | { kind: 'failed'; failure: 'client' | 'server' | 'network'; message: string; retrying: boolean }
  /** Rows moved to the quarantine: refused by InfluxDB (`cabinet`: the one line) or beyond retention. */
  | {
      kind: 'quarantined'
      rows: number
      bytes: number
      reason: string
      cabinet: string | null
      dropped?: number
    }
  /** recv_ms of the oldest row not yet written, null with none. */
  | { kind: 'pending'; oldest_recv_ms: number | null }
  | { kind: 'crashed'; message: string }

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; code: string; message: string }
  | { id: null; report: DrainReport }

export interface WorkerInit {
  file: string
  sync: 'full' | 'normal'
  quarantine_max_entries: number
  /**
   * Other WAL databases whose checkpoints this thread runs, every checkpoint_interval_ms: a
   * checkpoint fsyncs, which must not happen on the main thread (state.db sets
   * wal_autocheckpoint = 0 for that reason).
   */
  checkpoint_files: string[]
  checkpoint_interval_ms: number
}
