import type pg from 'pg'
import { LOCK_SPACE, withTransaction } from '../../lib/postgres/db.ts'
import { auditHash } from '../bkkhdc/audit-chain.ts'
import type { Dataset, Manifest } from '../bkkhdc/dataset.ts'
import type { AuditEntry, ExportItem, ExportStore } from '../bkkhdc/export-store.ts'

interface Row extends Omit<ExportItem, 'manifest'> {
  manifest: string
}

const COLUMNS =
  'dataset_id, month, revision, state, attempts, next_attempt_ms, last_error, created_ms, delivered_ms, manifest'

/**
 * The BKKHDC delivery outbox and audit log in PostgreSQL (`bkkhdc_exports`, `bkkhdc_audit`;
 * migrations.ts). The port is asynchronous already, so this fits behind it as it is.
 */
export class PgExportStore implements ExportStore {
  private readonly pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.pool = pool
  }

  async insert(ds: Dataset, revision: number, nowMs: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO bkkhdc_exports (dataset_id, month, revision, state, next_attempt_ms, created_ms, manifest, files)
       VALUES ($1, $2, $3, 'pending', $4, $4, $5, $6)`,
      [
        ds.manifest.dataset_id,
        ds.manifest.period.month,
        revision,
        nowMs,
        JSON.stringify(ds.manifest),
        JSON.stringify(ds.files),
      ],
    )
  }

  async forMonth(month: string): Promise<ExportItem[]> {
    return this.items(`SELECT ${COLUMNS} FROM bkkhdc_exports WHERE month = $1 ORDER BY revision DESC`, [
      month,
    ])
  }

  async list(limit = 100): Promise<ExportItem[]> {
    return this.items(`SELECT ${COLUMNS} FROM bkkhdc_exports ORDER BY created_ms DESC LIMIT $1`, [limit])
  }

  async due(nowMs: number): Promise<ExportItem[]> {
    return this.items(
      `SELECT ${COLUMNS} FROM bkkhdc_exports WHERE state = 'pending' AND next_attempt_ms <= $1 ORDER BY created_ms`,
      [nowMs],
    )
  }

  async files(datasetId: string): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ files: string }>(
      'SELECT files FROM bkkhdc_exports WHERE dataset_id = $1',
      [datasetId],
    )
    return rows[0] ? (JSON.parse(rows[0].files) as Record<string, string>) : {}
  }

  async delivered(datasetId: string, nowMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE bkkhdc_exports SET state = 'delivered', attempts = attempts + 1, delivered_ms = $1, last_error = NULL
       WHERE dataset_id = $2`,
      [nowMs, datasetId],
    )
  }

  async attemptFailed(datasetId: string, error: string, nextAttemptMs: number | null): Promise<void> {
    await this.pool.query(
      `UPDATE bkkhdc_exports SET attempts = attempts + 1, last_error = $1,
         state = CASE WHEN $2::bigint IS NULL THEN 'failed' ELSE state END,
         next_attempt_ms = COALESCE($2::bigint, next_attempt_ms)
       WHERE dataset_id = $3`,
      [error, nextAttemptMs, datasetId],
    )
  }

  /**
   * One transaction under the audit log's lock: the last hash is read and the new entry chained to
   * it before any other worker can append (two appends in parallel would otherwise both chain to
   * the same predecessor, or collide on the id).
   */
  async audit(e: Omit<AuditEntry, 'id' | 'prev_hash' | 'hash'>): Promise<void> {
    await withTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SPACE.audit])
      const { rows } = await c.query<{ id: number; hash: string | null }>(
        'SELECT id, hash FROM bkkhdc_audit ORDER BY id DESC LIMIT 1',
      )
      const last = rows[0]
      const detail = JSON.parse(JSON.stringify(e.detail)) as Record<string, unknown>
      const entry = { ...e, detail, id: (last?.id ?? 0) + 1, prev_hash: last?.hash ?? null }
      await c.query(
        `INSERT INTO bkkhdc_audit (id, at_ms, dataset_id, month, action, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          entry.id,
          e.at_ms,
          e.dataset_id,
          e.month,
          e.action,
          JSON.stringify(detail),
          entry.prev_hash,
          auditHash(entry),
        ],
      )
    })
  }

  async auditLog(limit = 200): Promise<AuditEntry[]> {
    return this.auditRows('SELECT * FROM bkkhdc_audit ORDER BY id DESC LIMIT $1', [limit])
  }

  async auditChain(): Promise<AuditEntry[]> {
    return this.auditRows('SELECT * FROM bkkhdc_audit ORDER BY id', [])
  }

  private async items(sql: string, args: unknown[]): Promise<ExportItem[]> {
    const { rows } = await this.pool.query<Row>(sql, args)
    return rows.map((r) => ({ ...r, manifest: JSON.parse(r.manifest) as Manifest }))
  }

  private async auditRows(sql: string, args: unknown[]): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query<AuditEntry>(sql, args)
    return rows
  }
}
