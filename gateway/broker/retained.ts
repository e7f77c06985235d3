import type Database from 'better-sqlite3'
import { cabinetTopic } from '../protocol/topics.ts'

/**
 * The retained `status` of each cabinet, kept in state.db so that it (and so the last will's
 * "offline") survives a gateway restart: aedes keeps retained messages only in memory.
 */
export class RetainedStatus {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  save(cabinet: string, payload: string, atMs: number): void {
    this.db
      .prepare(
        `INSERT INTO retained_status (cabinet, payload, updated_ms) VALUES (?, ?, ?)
         ON CONFLICT (cabinet) DO UPDATE SET payload = excluded.payload, updated_ms = excluded.updated_ms
         WHERE excluded.updated_ms >= retained_status.updated_ms`,
      )
      .run(cabinet, payload, atMs)
  }

  all(): Array<{ topic: string; payload: string }> {
    const rows = this.db.prepare('SELECT cabinet, payload FROM retained_status').all() as Array<{
      cabinet: string
      payload: string
    }>
    return rows.map((r) => ({ topic: cabinetTopic(r.cabinet, 'status'), payload: r.payload }))
  }
}
