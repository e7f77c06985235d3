import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { DeliveryRecord, DeliveryStore } from '../ports.ts'

const COLUMNS = 'id, notifier, payload, created_ms, attempts, next_ms'

/**
 * Notifications in PostgreSQL (table `alert_deliveries`, migrations.ts), shared by every worker.
 *
 * Exactly one notification per decision, across workers: the id is the delivery key (the
 * notification's id, derived from what caused it, and the notifier), so `enqueue` of the same
 * key by a second worker inserts nothing (ON CONFLICT DO NOTHING). A sender `claimDue`s a
 * delivery for a while (SKIP LOCKED: two senders never take the same one); if it dies after
 * sending but before `delivered`, the claim runs out and another worker sends again with the
 * same key, which the receiver gets as `Idempotency-Key` and drops as a repeat. A delivered one
 * is kept (state `delivered`), not deleted as in SQLite: a late `enqueue` of its key must still
 * find it.
 */
export class PgDeliveryStore implements AsyncPort<DeliveryStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  /** Stores the deliveries whose key is new; returns those keys (the others were stored already). */
  async enqueue(records: DeliveryRecord[]): Promise<string[]> {
    if (records.length === 0) return []
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO alert_deliveries (id, notifier, payload, created_ms, next_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        records.map((r) => r.id),
        records.map((r) => r.notifier),
        records.map((r) => r.payload),
        records.map((r) => r.created_ms),
        records.map((r) => r.next_ms),
      ],
    )
    return rows.map((r) => r.id)
  }

  /** Pending deliveries due at `nowMs` and not claimed by a sender, the most overdue first. */
  async due(nowMs: number, limit: number): Promise<DeliveryRecord[]> {
    const { rows } = await this.db.query<DeliveryRecord>(
      `SELECT ${COLUMNS} FROM alert_deliveries
       WHERE state = 'pending' AND next_ms <= $1 AND coalesce(claimed_until_ms, 0) <= $1
       ORDER BY next_ms LIMIT $2`,
      [nowMs, limit],
    )
    return rows
  }

  /**
   * Takes up to `limit` due deliveries for this sender until `nowMs + claimMs`: rows another
   * sender is claiming right now are skipped, not waited for, and a claimed row is not due again
   * before its claim ends.
   */
  async claimDue(nowMs: number, limit: number, claimMs: number): Promise<DeliveryRecord[]> {
    const { rows } = await this.db.query<DeliveryRecord>(
      `UPDATE alert_deliveries SET claimed_until_ms = $3
       WHERE id IN (
         SELECT id FROM alert_deliveries
         WHERE state = 'pending' AND next_ms <= $1 AND coalesce(claimed_until_ms, 0) <= $1
         ORDER BY next_ms LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}`,
      [nowMs, limit, nowMs + claimMs],
    )
    return rows.sort((a, b) => a.next_ms - b.next_ms)
  }

  async pendingCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM alert_deliveries WHERE state = 'pending'`,
    )
    return rows[0]?.n ?? 0
  }

  async delivered(id: string): Promise<void> {
    await this.db.query(
      `UPDATE alert_deliveries SET state = 'delivered', attempts = attempts + 1, claimed_until_ms = NULL,
         last_error = NULL WHERE id = $1`,
      [id],
    )
  }

  async retryAt(id: string, attempts: number, nextMs: number, error: string): Promise<void> {
    await this.db.query(
      `UPDATE alert_deliveries SET attempts = $1, next_ms = $2, last_error = $3, claimed_until_ms = NULL
       WHERE id = $4`,
      [attempts, nextMs, error, id],
    )
  }

  async failed(id: string, error: string, attempts: number | null): Promise<void> {
    await this.db.query(
      `UPDATE alert_deliveries SET state = 'failed', last_error = $1, attempts = coalesce($2, attempts),
         claimed_until_ms = NULL WHERE id = $3`,
      [error, attempts, id],
    )
  }

  /** A delivery's state by key ('pending', 'delivered', 'failed'), or null when unknown. */
  /** Deletes deliveries given up on that were queued before `beforeMs` (delivered ones stay: their keys). */
  async pruneFailed(beforeMs: number): Promise<number> {
    const r = await this.db.query(`DELETE FROM alert_deliveries WHERE state = 'failed' AND created_ms < $1`, [
      beforeMs,
    ])
    return r.rowCount ?? 0
  }

  async stateOf(id: string): Promise<string | null> {
    const { rows } = await this.db.query<{ state: string }>(
      'SELECT state FROM alert_deliveries WHERE id = $1',
      [id],
    )
    return rows[0]?.state ?? null
  }
}
