import type Database from 'better-sqlite3'
import { auditHash } from '../bkkhdc/audit-chain.ts'
import type { Dataset, Manifest } from '../bkkhdc/dataset.ts'
import type { AuditEntry, ExportItem, ExportStore } from '../bkkhdc/export-store.ts'

interface Row extends Omit<ExportItem, 'manifest'> {
  manifest: string
}

/** The BKKHDC delivery outbox and audit log in state.db (tables `bkkhdc_exports`, `bkkhdc_audit`). */
export class SqliteExportStore implements ExportStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  async insert(ds: Dataset, revision: number, nowMs: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO bkkhdc_exports (dataset_id, month, revision, state, next_attempt_ms, created_ms, manifest, files)
         VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)`,
      )
      .run(
        ds.manifest.dataset_id,
        ds.manifest.period.month,
        revision,
        nowMs,
        nowMs,
        JSON.stringify(ds.manifest),
        JSON.stringify(ds.files),
      )
  }

  /** The month's builds, newest revision first. */
  async forMonth(month: string): Promise<ExportItem[]> {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM bkkhdc_exports WHERE month = ? ORDER BY revision DESC`)
      .all(month) as Row[]
    return rows.map(item)
  }

  async list(limit = 100): Promise<ExportItem[]> {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM bkkhdc_exports ORDER BY created_ms DESC LIMIT ?`)
      .all(limit) as Row[]
    return rows.map(item)
  }

  async due(nowMs: number): Promise<ExportItem[]> {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM bkkhdc_exports WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY created_ms`,
      )
      .all(nowMs) as Row[]
    return rows.map(item)
  }

  async files(datasetId: string): Promise<Record<string, string>> {
    const r = this.db.prepare('SELECT files FROM bkkhdc_exports WHERE dataset_id = ?').get(datasetId) as
      | { files: string }
      | undefined
    return r ? (JSON.parse(r.files) as Record<string, string>) : {}
  }

  async delivered(datasetId: string, nowMs: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE bkkhdc_exports SET state = 'delivered', attempts = attempts + 1, delivered_ms = ?, last_error = NULL
         WHERE dataset_id = ?`,
      )
      .run(nowMs, datasetId)
  }

  async attemptFailed(datasetId: string, error: string, nextAttemptMs: number | null): Promise<void> {
    this.db
      .prepare(
        `UPDATE bkkhdc_exports SET attempts = attempts + 1, last_error = ?,
           state = CASE WHEN ? IS NULL THEN 'failed' ELSE state END,
           next_attempt_ms = COALESCE(?, next_attempt_ms)
         WHERE dataset_id = ?`,
      )
      .run(error, nextAttemptMs, nextAttemptMs, datasetId)
  }

  /** One transaction: the last hash is read and the new entry chained to it before anyone else writes. */
  async audit(e: Omit<AuditEntry, 'id' | 'prev_hash' | 'hash'>): Promise<void> {
    this.db.transaction(() => {
      const last = this.db.prepare('SELECT id, hash FROM bkkhdc_audit ORDER BY id DESC LIMIT 1').get() as
        | { id: number; hash: string | null }
        | undefined
      const detail = JSON.parse(JSON.stringify(e.detail)) as Record<string, unknown>
      const entry = { ...e, detail, id: (last?.id ?? 0) + 1, prev_hash: last?.hash ?? null }
      this.db
        .prepare(
          'INSERT INTO bkkhdc_audit (id, at_ms, dataset_id, month, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          entry.id,
          e.at_ms,
          e.dataset_id,
          e.month,
          e.action,
          JSON.stringify(detail),
          entry.prev_hash,
          auditHash(entry),
        )
    })()
  }

  async auditLog(limit = 200): Promise<AuditEntry[]> {
    return this.auditRows('SELECT * FROM bkkhdc_audit ORDER BY id DESC LIMIT ?', limit)
  }

  async auditChain(): Promise<AuditEntry[]> {
    return this.auditRows('SELECT * FROM bkkhdc_audit ORDER BY id')
  }

  private auditRows(sql: string, ...params: unknown[]): AuditEntry[] {
    const rows = this.db.prepare(sql).all(...params) as Array<Omit<AuditEntry, 'detail'> & { detail: string }>
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }))
  }
}

const COLUMNS =
  'dataset_id, month, revision, state, attempts, next_attempt_ms, last_error, created_ms, delivered_ms, manifest'

function item(r: Row): ExportItem {
  return { ...r, manifest: JSON.parse(r.manifest) as Manifest }
}
