import type Database from 'better-sqlite3'
import type { Alert, AlertState, Transition } from './types.ts'

export interface AlertFilter {
  states?: AlertState[] | undefined
  cabinet?: string | undefined
  type?: string | undefined
  severity?: string | undefined
  district?: string | undefined
  team?: string | undefined
  assignee?: string | undefined
  limit: number
}

/**
 * Alerts and their transitions in state.db. Written only on transitions (rare), never per
 * message; the evaluator works from the in-memory copy the lifecycle keeps.
 */
export class AlertStore {
  private readonly db: Database.Database
  private put!: Database.Statement
  private addTransition!: Database.Statement

  constructor(db: Database.Database) {
    this.db = db
  }

  init(): void {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS alerts (
        id TEXT PRIMARY KEY,
        cabinet TEXT NOT NULL,
        type TEXT NOT NULL,
        district TEXT NOT NULL,
        severity TEXT NOT NULL,
        state TEXT NOT NULL,
        team TEXT NOT NULL,
        assignee TEXT,
        started_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alerts_state ON alerts (state, updated_ms);
      CREATE INDEX IF NOT EXISTS alerts_cabinet ON alerts (cabinet, type, updated_ms);
      CREATE TABLE IF NOT EXISTS alert_transitions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        severity TEXT NOT NULL,
        by TEXT NOT NULL,
        comment TEXT
      );
      CREATE INDEX IF NOT EXISTS alert_transitions_alert ON alert_transitions (alert_id, seq);
      CREATE TABLE IF NOT EXISTS alert_kv (
        key TEXT PRIMARY KEY,
        data TEXT NOT NULL
      );
    `)
    this.put = this.db.prepare(`
      INSERT INTO alerts (id, cabinet, type, district, severity, state, team, assignee, started_ms, updated_ms, data)
      VALUES (@id, @cabinet, @type, @district, @severity, @state, @team, @assignee, @started_ms, @updated_ms, @data)
      ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, state = excluded.state,
        team = excluded.team, assignee = excluded.assignee, updated_ms = excluded.updated_ms, data = excluded.data`)
    this.addTransition = this.db.prepare(`
      INSERT INTO alert_transitions (alert_id, at_ms, kind, from_state, to_state, severity, by, comment)
      VALUES (@alert_id, @at_ms, @kind, @from_state, @to_state, @severity, @by, @comment)`)
  }

  /** The alert's new version and the transition that made it, atomically. */
  record(alert: Alert, t: Transition): void {
    this.db.transaction(() => {
      this.put.run({
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
      this.addTransition.run(t)
    })()
  }

  /** Open alerts, and those resolved since `resolvedSince` (candidates for reopening). */
  loadCurrent(resolvedSince: number): Alert[] {
    const rows = this.db
      .prepare(`SELECT data FROM alerts WHERE state != 'resolved' OR updated_ms >= ? ORDER BY updated_ms`)
      .all(resolvedSince) as Array<{ data: string }>
    return rows.map((r) => JSON.parse(r.data) as Alert)
  }

  get(id: string): Alert | null {
    const row = this.db.prepare('SELECT data FROM alerts WHERE id = ?').get(id) as
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
    const row = this.db.prepare('SELECT data FROM alert_kv WHERE key = ?').get(key) as
      | { data: string }
      | undefined
    return row ? (JSON.parse(row.data) as T) : null
  }

  /** Values whose key starts with `prefix`. */
  listKv<T>(prefix: string): T[] {
    const rows = this.db
      .prepare('SELECT data FROM alert_kv WHERE key >= ? AND key < ? ORDER BY key')
      .all(prefix, `${prefix}\uffff`) as Array<{ data: string }>
    return rows.map((r) => JSON.parse(r.data) as T)
  }

  setKv(key: string, value: unknown): void {
    if (value === null) {
      this.db.prepare('DELETE FROM alert_kv WHERE key = ?').run(key)
      return
    }
    this.db
      .prepare(
        'INSERT INTO alert_kv (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data',
      )
      .run(key, JSON.stringify(value))
  }
}
