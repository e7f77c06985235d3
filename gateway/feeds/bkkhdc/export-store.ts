import type Database from 'better-sqlite3'
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
}

interface Row extends Omit<ExportItem, 'manifest'> {
  manifest: string
}

/**
 * The BKKHDC delivery outbox and audit log, in state.db. A dataset's exact files are stored with
 * it, so every retry (and a retry after a restart) sends the same bytes the manifest describes.
 */
export class ExportStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  init(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS bkkhdc_exports (
        dataset_id TEXT PRIMARY KEY,
        month TEXT NOT NULL,
        revision INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL,
        last_error TEXT,
        created_ms INTEGER NOT NULL,
        delivered_ms INTEGER,
        manifest TEXT NOT NULL,
        files TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS bkkhdc_exports_month ON bkkhdc_exports (month);
      CREATE TABLE IF NOT EXISTS bkkhdc_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        dataset_id TEXT,
        month TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      );
    `)
  }

  insert(ds: Dataset, revision: number, nowMs: number): void {
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
  forMonth(month: string): ExportItem[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM bkkhdc_exports WHERE month = ? ORDER BY revision DESC`)
      .all(month) as Row[]
    return rows.map(item)
  }

  list(limit = 100): ExportItem[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM bkkhdc_exports ORDER BY created_ms DESC LIMIT ?`)
      .all(limit) as Row[]
    return rows.map(item)
  }

  due(nowMs: number): ExportItem[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM bkkhdc_exports WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY created_ms`,
      )
      .all(nowMs) as Row[]
    return rows.map(item)
  }

  files(datasetId: string): Record<string, string> {
    const r = this.db.prepare('SELECT files FROM bkkhdc_exports WHERE dataset_id = ?').get(datasetId) as
      | { files: string }
      | undefined
    return r ? (JSON.parse(r.files) as Record<string, string>) : {}
  }

  delivered(datasetId: string, nowMs: number): void {
    this.db
      .prepare(
        `UPDATE bkkhdc_exports SET state = 'delivered', attempts = attempts + 1, delivered_ms = ?, last_error = NULL
         WHERE dataset_id = ?`,
      )
      .run(nowMs, datasetId)
  }

  attemptFailed(datasetId: string, error: string, nextAttemptMs: number | null): void {
    this.db
      .prepare(
        `UPDATE bkkhdc_exports SET attempts = attempts + 1, last_error = ?,
           state = CASE WHEN ? IS NULL THEN 'failed' ELSE state END,
           next_attempt_ms = COALESCE(?, next_attempt_ms)
         WHERE dataset_id = ?`,
      )
      .run(error, nextAttemptMs, nextAttemptMs, datasetId)
  }

  audit(e: Omit<AuditEntry, 'id'>): void {
    this.db
      .prepare('INSERT INTO bkkhdc_audit (at_ms, dataset_id, month, action, detail) VALUES (?, ?, ?, ?, ?)')
      .run(e.at_ms, e.dataset_id, e.month, e.action, JSON.stringify(e.detail))
  }

  auditLog(limit = 200): AuditEntry[] {
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
