import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { LinkUseStore } from '../ports.ts'

/**
 * Signed-link uses in PostgreSQL (table `signed_link_uses`, migrations.ts): a link used through
 * one worker is refused by every other, since the nonce's row is shared.
 */
export class PgLinkUseStore implements AsyncPort<LinkUseStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  async claim(nonce: string, alertId: string, nowMs: number, expiresMs: number): Promise<boolean> {
    await this.db.query('DELETE FROM signed_link_uses WHERE expires_ms < $1', [nowMs])
    const ins = await this.db.query(
      `INSERT INTO signed_link_uses (nonce, alert_id, used_ms, expires_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [nonce, alertId, nowMs, expiresMs],
    )
    return (ins.rowCount ?? 0) > 0
  }

  async release(nonce: string): Promise<void> {
    await this.db.query('DELETE FROM signed_link_uses WHERE nonce = $1', [nonce])
  }

  async used(nonce: string): Promise<boolean> {
    return (
      ((await this.db.query('SELECT 1 FROM signed_link_uses WHERE nonce = $1', [nonce])).rowCount ?? 0) > 0
    )
  }
}
