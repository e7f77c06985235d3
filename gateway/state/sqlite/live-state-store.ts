import type Database from 'better-sqlite3'
import type { CabinetLive } from '../live-state.ts'
import type { LiveStateStore } from '../ports.ts'

/** Live state in state.db (table `live_state`, migrations.ts), one JSON row per cabinet. */
export class SqliteLiveStateStore implements LiveStateStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  loadAll(): Array<{ cabinet: string; live: CabinetLive }> {
    const rows = this.db.prepare('SELECT cabinet, data FROM live_state').all() as Array<{
      cabinet: string
      data: string
    }>
    return rows.map((r) => ({ cabinet: r.cabinet, live: JSON.parse(r.data) as CabinetLive }))
  }

  saveMany(cabinets: Array<{ cabinet: string; live: CabinetLive }>, nowMs: number): void {
    const put = this.db.prepare(
      `INSERT INTO live_state (cabinet, data, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT (cabinet) DO UPDATE SET data = excluded.data, updated_ms = excluded.updated_ms`,
    )
    this.db.transaction(() => {
      for (const c of cabinets) put.run(c.cabinet, JSON.stringify(c.live), nowMs)
    })()
  }
}
