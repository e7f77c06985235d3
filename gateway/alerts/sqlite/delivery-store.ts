import type Database from 'better-sqlite3'
import { statement } from '../../lib/statements.ts'
import type { DeliveryRecord, DeliveryStore } from '../ports.ts'

/** Pending and failed notifications in state.db (table `alert_deliveries`, migrations.ts). */
export class SqliteDeliveryStore implements DeliveryStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  enqueue(records: DeliveryRecord[]): void {
    const insert = statement(
      this.db,
      'INSERT OR IGNORE INTO alert_deliveries (id, notifier, payload, created_ms, next_ms) VALUES (?, ?, ?, ?, ?)',
    )
    this.db.transaction(() => {
      for (const r of records) insert.run(r.id, r.notifier, r.payload, r.created_ms, r.next_ms)
    })()
  }

  due(nowMs: number, limit: number): DeliveryRecord[] {
    return statement(
      this.db,
      `SELECT id, notifier, payload, created_ms, attempts, next_ms FROM alert_deliveries
        WHERE state = 'pending' AND next_ms <= ? ORDER BY next_ms LIMIT ?`,
    ).all(nowMs, limit) as DeliveryRecord[]
  }

  pendingCount(): number {
    return (
      this.db.prepare(`SELECT count(*) AS n FROM alert_deliveries WHERE state = 'pending'`).get() as {
        n: number
      }
    ).n
  }

  delivered(id: string): void {
    statement(this.db, 'DELETE FROM alert_deliveries WHERE id = ?').run(id)
  }

  retryAt(id: string, attempts: number, nextMs: number, error: string): void {
    statement(
      this.db,
      'UPDATE alert_deliveries SET attempts = ?, next_ms = ?, last_error = ? WHERE id = ?',
    ).run(attempts, nextMs, error, id)
  }

  failed(id: string, error: string, attempts: number | null): void {
    this.db
      .prepare(
        `UPDATE alert_deliveries SET state = 'failed', last_error = ?, attempts = coalesce(?, attempts) WHERE id = ?`,
      )
      .run(error, attempts, id)
  }

  pruneFailed(beforeMs: number): number {
    return this.db
      .prepare(`DELETE FROM alert_deliveries WHERE state = 'failed' AND created_ms < ?`)
      .run(beforeMs).changes
  }
}
