import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { AlertFilter, AlertStore } from '../alert-store.ts'
import type { Alert, Transition } from '../types.ts'

/**
 * Alerts, their transitions and stage values in PostgreSQL (`alerts`, `alert_transitions`,
 * `alert_kv`; migrations.ts). Handed the client of `PgStateTransaction.withCabinet`, its writes
 * commit with the cabinet's live state; handed the pool, `record` is its own transaction.
 */
export class PgAlertStore implements AsyncPort<AlertStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  /** The alert's new version and the transition that made it: one statement, so atomic on its own. */
  async record(alert: Alert, t: Transition): Promise<void> {
    await this.db.query(
      `WITH put AS (
         INSERT INTO alerts (id, cabinet, type, district, severity, state, team, assignee, started_ms, updated_ms, data)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, state = excluded.state,
           team = excluded.team, assignee = excluded.assignee, updated_ms = excluded.updated_ms, data = excluded.data
         RETURNING id)
       INSERT INTO alert_transitions (alert_id, at_ms, kind, from_state, to_state, severity, by, comment)
       SELECT id, $12, $13, $14, $15, $16, $17, $18 FROM put`,
      [
        alert.id,
        alert.cabinet_id,
        alert.type,
        alert.labels.district ?? '',
        alert.severity,
        alert.state,
        alert.team,
        alert.assignee,
        alert.started_ms,
        alert.updated_ms,
        JSON.stringify(alert),
        t.at_ms,
        t.kind,
        t.from_state,
        t.to_state,
        t.severity,
        t.by,
        t.comment,
      ],
    )
  }

  async loadCurrent(resolvedSince: number): Promise<Alert[]> {
    return this.alerts(
      `SELECT data FROM alerts WHERE state <> 'resolved' OR updated_ms >= $1 ORDER BY updated_ms`,
      [resolvedSince],
    )
  }

  /** The cabinet's open (active or acknowledged) alert of this type: what a worker checks under the cabinet's lock. */
  async findOpen(cabinet: string, type: string): Promise<Alert | null> {
    const rows = await this.alerts(
      `SELECT data FROM alerts WHERE cabinet = $1 AND type = $2 AND state <> 'resolved'`,
      [cabinet, type],
    )
    return rows[0] ?? null
  }

  async get(id: string): Promise<Alert | null> {
    return (await this.alerts('SELECT data FROM alerts WHERE id = $1', [id]))[0] ?? null
  }

  async list(f: AlertFilter): Promise<Alert[]> {
    const where: string[] = []
    const args: unknown[] = []
    if (f.states?.length) {
      args.push(f.states)
      where.push(`state = ANY($${args.length}::text[])`)
    }
    for (const [col, v] of [
      ['cabinet', f.cabinet],
      ['type', f.type],
      ['severity', f.severity],
      ['district', f.district],
      ['team', f.team],
      ['assignee', f.assignee],
    ] as const) {
      if (v !== undefined) {
        args.push(v)
        where.push(`${col} = $${args.length}`)
      }
    }
    args.push(f.limit)
    const sql = `SELECT data FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_ms DESC LIMIT $${args.length}`
    return this.alerts(sql, args)
  }

  async transitions(alertId: string): Promise<Transition[]> {
    const { rows } = await this.db.query<Transition>(
      `SELECT alert_id, at_ms, kind, from_state, to_state, severity, by, comment
       FROM alert_transitions WHERE alert_id = $1 ORDER BY seq`,
      [alertId],
    )
    return rows
  }

  async getKv<T>(key: string): Promise<T | null> {
    const { rows } = await this.db.query<{ data: T }>('SELECT data FROM alert_kv WHERE key = $1', [key])
    return rows[0]?.data ?? null
  }

  /** Values whose key starts with `prefix` (compared byte-wise, as SQLite does). */
  async listKv<T>(prefix: string): Promise<T[]> {
    const { rows } = await this.db.query<{ data: T }>(
      'SELECT data FROM alert_kv WHERE starts_with(key, $1) ORDER BY key COLLATE "C"',
      [prefix],
    )
    return rows.map((r) => r.data)
  }

  async setKv(key: string, value: unknown): Promise<void> {
    if (value === null) {
      await this.db.query('DELETE FROM alert_kv WHERE key = $1', [key])
      return
    }
    await this.db.query(
      'INSERT INTO alert_kv (key, data) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET data = excluded.data',
      [key, JSON.stringify(value)],
    )
  }

  /** Deletes alerts resolved before `beforeMs` with their transitions, in one statement. */
  async pruneResolved(beforeMs: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `WITH gone AS (DELETE FROM alerts WHERE state = 'resolved' AND updated_ms < $1 RETURNING id),
            t AS (DELETE FROM alert_transitions WHERE alert_id IN (SELECT id FROM gone))
       SELECT count(*)::int AS n FROM gone`,
      [beforeMs],
    )
    return rows[0]?.n ?? 0
  }

  private async alerts(sql: string, args: unknown[]): Promise<Alert[]> {
    const { rows } = await this.db.query<{ data: Alert }>(sql, args)
    return rows.map((r) => r.data)
  }
}
