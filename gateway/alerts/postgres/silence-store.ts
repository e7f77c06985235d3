import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { Silence, SilenceStore } from '../ports.ts'

/** Silences in PostgreSQL (table `silences`, migrations.ts), one JSON row each. */
export class PgSilenceStore implements AsyncPort<SilenceStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  async all(): Promise<Silence[]> {
    const { rows } = await this.db.query<{ data: Silence }>('SELECT data FROM silences ORDER BY id')
    return rows.map((r) => r.data)
  }

  /** Silences not yet ended at `nowMs` (the mute stage's candidates; expired ones stay for the record). */
  async active(nowMs: number): Promise<Silence[]> {
    const { rows } = await this.db.query<{ data: Silence }>(
      'SELECT data FROM silences WHERE ends_ms > $1 ORDER BY id',
      [nowMs],
    )
    return rows.map((r) => r.data)
  }

  /** One silence by id, or null (the API's expire). */
  async get(id: string): Promise<Silence | null> {
    const { rows } = await this.db.query<{ data: Silence }>('SELECT data FROM silences WHERE id = $1', [id])
    return rows[0]?.data ?? null
  }

  async insert(s: Silence): Promise<void> {
    await this.db.query('INSERT INTO silences (id, ends_ms, data) VALUES ($1, $2, $3)', [
      s.id,
      s.ends_ms,
      JSON.stringify(s),
    ])
  }

  async update(s: Silence): Promise<void> {
    await this.db.query('UPDATE silences SET ends_ms = $1, data = $2 WHERE id = $3', [
      s.ends_ms,
      JSON.stringify(s),
      s.id,
    ])
  }
}
