import type Database from 'better-sqlite3'
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

  async audit(e: Omit<AuditEntry, 'id'>): Promise<void> {
    this.db
      .prepare('INSERT INTO bkkhdc_audit (at_ms, dataset_id, month, action, detail) VALUES (?, ?, ?, ?, ?)')
      .run(e.at_ms, e.dataset_id, e.month, e.action, JSON.stringify(e.detail))
  }

  async auditLog(limit = 200): Promise<AuditEntry[]> {
    const rows = this.db.prepare('SELECT * FROM bkkhdc_audit ORDER BY id DESC LIMIT ?').all(limit) as Array<
      Omit<AuditEntry, 'detail'> & { detail: string }
    >
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }))
  }
}

const COLUMNS =
  'dataset_id, month, revision, state, attempts, next_attempt_ms, last_error, created_ms, delivered_ms, manifest'

function item(r: Row): ExportItem {
  return { ...r, manifest: JSON.parse(r.manifest) as Manifest }
}
