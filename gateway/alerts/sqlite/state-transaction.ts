import type Database from 'better-sqlite3'
import type { StateTransaction } from '../ports.ts'

/**
 * SQLite's transaction as the unit of work over a cabinet's live state and alerts: SQLite has one
 * writer at a time, so no per-cabinet lock is needed. Nested calls become savepoints
 * (better-sqlite3 `transaction`), so the stores' own transactions join this one.
 */
export class SqliteStateTransaction implements StateTransaction {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  withCabinet<T>(_cabinet: string, fn: () => T): T {
    return this.db.transaction(fn)()
  }
}
