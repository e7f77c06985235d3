import type Database from 'better-sqlite3'
import type { ReadinessHistoryStore, ReadinessLast } from '../ports.ts'

/** The last readiness written per cabinet, in state.db (table `feeds_readiness_last`, migrations.ts). */
export class SqliteReadinessHistoryStore implements ReadinessHistoryStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  all(): ReadinessLast[] {
    return this.db
      .prepare('SELECT cabinet, readiness, reason_codes FROM feeds_readiness_last')
      .all() as ReadinessLast[]
  }

  save(last: ReadinessLast, writtenMs: number): void {
    this.db
      .prepare(
        `INSERT INTO feeds_readiness_last (cabinet, readiness, reason_codes, written_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (cabinet) DO UPDATE SET readiness = excluded.readiness,
           reason_codes = excluded.reason_codes, written_ms = excluded.written_ms`,
      )
      .run(last.cabinet, last.readiness, last.reason_codes, writtenMs)
  }
}
