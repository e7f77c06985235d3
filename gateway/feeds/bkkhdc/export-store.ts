import type { Dataset, Manifest } from './dataset.ts'

export type ExportState = 'pending' | 'delivered' | 'failed'

export interface ExportItem {
  dataset_id: string
  month: string
  revision: number
  state: ExportState
  attempts: number
  next_attempt_ms: number
  last_error: string | null
  created_ms: number
  delivered_ms: number | null
  manifest: Manifest
}

export interface AuditEntry {
  id: number
  at_ms: number
  dataset_id: string | null
  month: string | null
  action: string
  detail: Record<string, unknown>
  /** The previous entry's hash (null for the first, and for entries written before chaining). */
  prev_hash: string | null
  /** SHA-256 over prev_hash and this entry (audit-chain.ts); null for entries before chaining. */
  hash: string | null
}

/**
 * The BKKHDC delivery outbox and audit log (SQLite today: ../sqlite/export-store.ts). A dataset's
 * exact files are stored with it, so every retry (and a retry after a restart) sends the same
 * bytes the manifest describes. Asynchronous already: every caller is (delivery, builds, the API),
 * so a PostgreSQL implementation fits behind it as it is.
 */
export interface ExportStore {
  insert(ds: Dataset, revision: number, nowMs: number): Promise<void>
  /** The month's builds, newest revision first. */
  forMonth(month: string): Promise<ExportItem[]>
  /** The latest builds, newest first. */
  list(limit?: number): Promise<ExportItem[]>
  /** Pending deliveries whose next attempt is due, oldest build first. */
  due(nowMs: number): Promise<ExportItem[]>
  /** The dataset's files by name; empty for an unknown dataset. */
  files(datasetId: string): Promise<Record<string, string>>
  delivered(datasetId: string, nowMs: number): Promise<void>
  /** Counts a failed attempt; a null `nextAttemptMs` gives up (state `failed`). */
  attemptFailed(datasetId: string, error: string, nextAttemptMs: number | null): Promise<void>
  /** Appends an entry chained to the last one (its id, prev_hash and hash are the store's). */
  audit(e: Omit<AuditEntry, 'id' | 'prev_hash' | 'hash'>): Promise<void>
  /** The latest audit entries, newest first. */
  auditLog(limit?: number): Promise<AuditEntry[]>
  /** Every audit entry, oldest first (to verify the chain). */
  auditChain(): Promise<AuditEntry[]>
}
