import type pg from 'pg'
import type { FeedJobStore, PushedSnapshot } from '../ports.ts'

/** The cluster's feed jobs' shared records in PostgreSQL (`bkkhdc_due`, `feed_pushes`; migrations.ts). */
export class PgFeedJobStore implements FeedJobStore {
  private readonly pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.pool = pool
  }

  async markDue(month: string, nowMs: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO bkkhdc_due (month, due_ms) VALUES ($1, $2) ON CONFLICT (month) DO NOTHING',
      [month, nowMs],
    )
  }

  async pendingMonths(): Promise<string[]> {
    const { rows } = await this.pool.query<{ month: string }>(
      'SELECT month FROM bkkhdc_due WHERE done_ms IS NULL ORDER BY month',
    )
    return rows.map((r) => r.month)
  }

  async monthDone(month: string, nowMs: number): Promise<void> {
    await this.pool.query('UPDATE bkkhdc_due SET done_ms = $2 WHERE month = $1 AND done_ms IS NULL', [
      month,
      nowMs,
    ])
  }

  async lastPush(feed: string): Promise<PushedSnapshot | null> {
    const { rows } = await this.pool.query<PushedSnapshot>(
      'SELECT etag, body, pushed_ms FROM feed_pushes WHERE feed = $1',
      [feed],
    )
    const r = rows[0]
    return r ? { etag: r.etag, body: r.body, pushed_ms: Number(r.pushed_ms) } : null
  }

  async savePush(feed: string, p: PushedSnapshot): Promise<void> {
    await this.pool.query(
      `INSERT INTO feed_pushes (feed, etag, body, pushed_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (feed) DO UPDATE SET etag = excluded.etag, body = excluded.body, pushed_ms = excluded.pushed_ms`,
      [feed, p.etag, p.body, p.pushed_ms],
    )
  }
}
