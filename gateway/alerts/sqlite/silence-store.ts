import type Database from 'better-sqlite3'
import type { SilenceStore } from '../ports.ts'
import type { Silence } from '../silences.ts'

/** Silences in state.db (table `silences`, migrations.ts), one JSON row each. */
export class SqliteSilenceStore implements SilenceStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  all(): Silence[] {
    const rows = this.db.prepare('SELECT data FROM silences').all() as Array<{ data: string }>
    return rows.map((r) => JSON.parse(r.data) as Silence)
  }

  insert(s: Silence): void {
    this.db
      .prepare('INSERT INTO silences (id, ends_ms, data) VALUES (?, ?, ?)')
      .run(s.id, s.ends_ms, JSON.stringify(s))
  }

  update(s: Silence): void {
    this.db
      .prepare('UPDATE silences SET ends_ms = ?, data = ? WHERE id = ?')
      .run(s.ends_ms, JSON.stringify(s), s.id)
  }
}
