import type Database from 'better-sqlite3'
import { statement } from '../../lib/statements.ts'
import type { LateMark, ReadinessHistoryStore, ReadinessLast } from '../ports.ts'

/**
 * The last readiness written per cabinet, and the cabinets whose history waits to be recomputed,
 * in state.db (tables `feeds_readiness_last`, `feeds_readiness_late`, migrations.ts).
 */
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
    statement(
      this.db,
      `INSERT INTO feeds_readiness_last (cabinet, readiness, reason_codes, written_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (cabinet) DO UPDATE SET readiness = excluded.readiness,
           reason_codes = excluded.reason_codes, written_ms = excluded.written_ms`,
    ).run(last.cabinet, last.readiness, last.reason_codes, writtenMs)
  }

  lateMarks(): LateMark[] {
    return this.db.prepare('SELECT cabinet, from_ms, seen_ms FROM feeds_readiness_late').all() as LateMark[]
  }

  saveLateMarks(marks: LateMark[]): void {
    const put = this.db.prepare(
      `INSERT INTO feeds_readiness_late (cabinet, from_ms, seen_ms) VALUES (?, ?, ?)
       ON CONFLICT (cabinet) DO UPDATE SET from_ms = min(from_ms, excluded.from_ms),
         seen_ms = max(seen_ms, excluded.seen_ms)`,
    )
    // one transaction: a city-wide reconnect marks hundreds of cabinets in one tick
    this.db.transaction(() => {
      for (const m of marks) put.run(m.cabinet, m.from_ms, m.seen_ms)
    })()
  }

  clearLateMark(cabinet: string, seenMs: number): void {
    statement(this.db, 'DELETE FROM feeds_readiness_late WHERE cabinet = ? AND seen_ms <= ?').run(
      cabinet,
      seenMs,
    )
  }
}
