import type Database from 'better-sqlite3'
import type { LinkUseStore } from '../ports.ts'

/** Signed-link uses in state.db (table signed_link_uses, alerts migration 2). */
export class SqliteLinkUseStore implements LinkUseStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  claim(nonce: string, alertId: string, nowMs: number, expiresMs: number): boolean {
    this.db.prepare('DELETE FROM signed_link_uses WHERE expires_ms < ?').run(nowMs)
    const ins = this.db
      .prepare(
        'INSERT INTO signed_link_uses (nonce, alert_id, used_ms, expires_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(nonce, alertId, nowMs, expiresMs)
    return ins.changes > 0
  }

  release(nonce: string): void {
    this.db.prepare('DELETE FROM signed_link_uses WHERE nonce = ?').run(nonce)
  }

  used(nonce: string): boolean {
    return this.db.prepare('SELECT 1 FROM signed_link_uses WHERE nonce = ?').get(nonce) !== undefined
  }
}
