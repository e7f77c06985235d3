import type Database from 'better-sqlite3'
import { statement } from '../../lib/statements.ts'
import type { AlertFilter, AlertStore } from '../alert-store.ts'
import type { Alert, Transition } from '../types.ts'

/** Alerts, their transitions and stage values in state.db (`alerts`, `alert_transitions`, `alert_kv`). */
export class SqliteAlertStore implements AlertStore {
  private readonly db: Database.Database
  private writes: { put: Database.Statement; addTransition: Database.Statement } | null = null

  constructor(db: Database.Database) {
    this.db = db
  }

  /** Prepared on first use, once migrations have made the tables. */
  private statements(): { put: Database.Statement; addTransition: Database.Statement } {
    this.writes ??= {
      put: this.db.prepare(`
      INSERT INTO alerts (id, cabinet, type, district, severity, state, team, assignee, started_ms, updated_ms, data)
      VALUES (@id, @cabinet, @type, @district, @severity, @state, @team, @assignee, @started_ms, @updated_ms, @data)
      ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, state = excluded.state,
        team = excluded.team, assignee = excluded.assignee, updated_ms = excluded.updated_ms, data = excluded.data`),
      addTransition: this.db.prepare(`
      INSERT INTO alert_transitions (alert_id, at_ms, kind, from_state, to_state, severity, by, comment)
      VALUES (@alert_id, @at_ms, @kind, @from_state, @to_state, @severity, @by, @comment)`),
    }
    return this.writes
  }

  record(alert: Alert, t: Transition): void {
    const { put, addTransition } = this.statements()
    this.db.transaction(() => {
      put.run({
        id: alert.id,
        cabinet: alert.cabinet_id,
        type: alert.type,
        district: alert.labels.district ?? '',
        severity: alert.severity,
        state: alert.state,
        team: alert.team,
        assignee: alert.assignee,
        started_ms: alert.started_ms,
        updated_ms: alert.updated_ms,
        data: JSON.stringify(alert),
      })
      addTransition.run(t)
    })()
  }

  loadCurrent(resolvedSince: number): Alert[] {
    const rows = this.db
      .prepare(`SELECT data FROM alerts WHERE state != 'resolved' OR updated_ms >= ? ORDER BY updated_ms`)
      .all(resolvedSince) as Array<{ data: string }>
    return rows.map((r) => JSON.parse(r.data) as Alert)
  }

  get(id: string): Alert | null {
    const row = statement(this.db, 'SELECT data FROM alerts WHERE id = ?').get(id) as
      | { data: string }
      | undefined
    return row ? (JSON.parse(row.data) as Alert) : null
  }

  list(f: AlertFilter): Alert[] {
    const where: string[] = []
    const args: unknown[] = []
    if (f.states?.length) {
      where.push(`state IN (${f.states.map(() => '?').join(',')})`)
      args.push(...f.states)
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
        where.push(`${col} = ?`)
        args.push(v)
      }
    }
    const sql = `SELECT data FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY updated_ms DESC LIMIT ?`
    const rows = this.db.prepare(sql).all(...args, f.limit) as Array<{ data: string }>
    return rows.map((r) => JSON.parse(r.data) as Alert)
  }

  transitions(alertId: string): Transition[] {
    return this.db
      .prepare(
        'SELECT alert_id, at_ms, kind, from_state, to_state, severity, by, comment FROM alert_transitions WHERE alert_id = ? ORDER BY seq',
      )
      .all(alertId) as Transition[]
  }

  /** Small durable values of the pipeline stages (group state, rule holds). */
  getKv<T>(key: string): T | null {
    const row = statement(this.db, 'SELECT data FROM alert_kv WHERE key = ?').get(key) as
      | { data: string }
      | undefined
    return row ? (JSON.parse(row.data) as T) : null
  }

  /** Values whose key starts with `prefix`. */
  listKv<T>(prefix: string): T[] {
    const rows = statement(this.db, 'SELECT data FROM alert_kv WHERE key >= ? AND key < ? ORDER BY key').all(
      prefix,
      `${prefix}\uffff`,
    ) as Array<{ data: string }>
    return rows.map((r) => JSON.parse(r.data) as T)
  }

  setKv(key: string, value: unknown): void {
    if (value === null) {
      statement(this.db, 'DELETE FROM alert_kv WHERE key = ?').run(key)
      return
    }
    statement(
      this.db,
      'INSERT INTO alert_kv (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data',
    ).run(key, JSON.stringify(value))
  }

  pruneResolved(beforeMs: number): number {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `DELETE FROM alert_transitions WHERE alert_id IN
             (SELECT id FROM alerts WHERE state = 'resolved' AND updated_ms < ?)`,
        )
        .run(beforeMs)
      return this.db.prepare(`DELETE FROM alerts WHERE state = 'resolved' AND updated_ms < ?`).run(beforeMs)
        .changes
    })()
  }
}
