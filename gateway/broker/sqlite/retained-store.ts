import type Database from 'better-sqlite3'
import type { RetainedStore } from '../ports.ts'

/** Retained statuses in state.db (table `retained_status`, migrations.ts). */
export class SqliteRetainedStore implements RetainedStore {
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

  all(): Array<{ cabinet: string; payload: string }> {
    return this.db.prepare('SELECT cabinet, payload FROM retained_status').all() as Array<{
      cabinet: string
      payload: string
    }>
  }
}
