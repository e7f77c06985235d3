import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { CabinetLive } from '../live-state.ts'
import type { LiveStateStore } from '../ports.ts'

/**
 * Live state in PostgreSQL (table `live_state`, migrations.ts). Besides the port's start-up load
 * and batch save, a cluster worker reads and writes one cabinet inside that cabinet's transaction
 * (`get`, `save`), since any worker may get any cabinet's message and none holds the fleet in
 * memory as the truth.
 */
export class PgLiveStateStore implements AsyncPort<LiveStateStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  async loadAll(): Promise<Array<{ cabinet: string; live: CabinetLive }>> {
    const { rows } = await this.db.query<{ cabinet: string; data: CabinetLive }>(
      'SELECT cabinet, data FROM live_state ORDER BY cabinet',
    )
    return rows.map((r) => ({ cabinet: r.cabinet, live: r.data }))
  }

  /**
   * Every cabinet's state without its battery samples (most of a saved state; only the
   * maintenance list's forecast reads them, not the rules or the feeds), `after` a cabinet id, in
   * id order, at most `limit`: what a periodic job that looks at the whole fleet reads.
   */
  async loadLean(after = '', limit = 1_000_000): Promise<Array<{ cabinet: string; live: CabinetLive }>> {
    const { rows } = await this.db.query<{ cabinet: string; data: CabinetLive }>(
      `SELECT cabinet, data - 'battery_samples' AS data FROM live_state
       WHERE cabinet > $1 ORDER BY cabinet LIMIT $2`,
      [after, limit],
    )
    return rows.map((r) => ({ cabinet: r.cabinet, live: { ...r.data, battery_samples: [] } }))
  }

  /** All or none when `db` is a pool (one statement); joins the caller's transaction otherwise. */
  async saveMany(cabinets: Array<{ cabinet: string; live: CabinetLive }>, nowMs: number): Promise<void> {
    if (cabinets.length === 0) return
    // one statement, in cabinet order: two savers never wait on each other's rows crosswise
    const sorted = [...cabinets].sort((a, b) => (a.cabinet < b.cabinet ? -1 : a.cabinet > b.cabinet ? 1 : 0))
    await this.db.query(
      `INSERT INTO live_state (cabinet, data, updated_ms)
       SELECT c, d, $3 FROM unnest($1::text[], $2::jsonb[]) AS t(c, d)
       ON CONFLICT (cabinet) DO UPDATE SET data = excluded.data, updated_ms = excluded.updated_ms`,
      [sorted.map((c) => c.cabinet), sorted.map((c) => JSON.stringify(c.live)), nowMs],
    )
  }

  /** The cabinet's saved state, or null before its first save. */
  async get(cabinet: string): Promise<CabinetLive | null> {
    const { rows } = await this.db.query<{ data: CabinetLive }>(
      'SELECT data FROM live_state WHERE cabinet = $1',
      [cabinet],
    )
    return rows[0]?.data ?? null
  }

  async save(cabinet: string, live: CabinetLive, nowMs: number): Promise<void> {
    await this.saveMany([{ cabinet, live }], nowMs)
  }
}
