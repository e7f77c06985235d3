import type pg from 'pg'
import { AedgwError } from '../errors.ts'
import { type Migration, ordered } from '../migrations.ts'
import { LOCK_SPACE, withTransaction } from './db.ts'

/**
 * PostgreSQL's migration runner, the twin of `runMigrations` (lib/migrations.ts): the same
 * `{module, version, up}` lists (each module's `postgres/migrations.ts`), the same
 * `schema_migrations (module, version)` record, each migration with its record in one
 * transaction (PostgreSQL's DDL is transactional: a failure applies nothing of it). Workers that
 * start together serialise on an advisory lock, so each migration runs once; the later ones find
 * it recorded. Returns what this call applied.
 */
export async function runPgMigrations(pool: pg.Pool, migrations: readonly Migration[]): Promise<Migration[]> {
  const list = ordered(migrations)
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1, 0)', [LOCK_SPACE.migrations])
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        module TEXT NOT NULL,
        version INTEGER NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (module, version)
      )`)
      const { rows } = await client.query<{ module: string; version: number }>(
        'SELECT module, version FROM schema_migrations',
      )
      const done = new Set(rows.map((r) => `${r.module}/${r.version}`))
      const applied: Migration[] = []
      for (const m of list) {
        if (done.has(`${m.module}/${m.version}`)) continue
        await applyOne(pool, m)
        applied.push(m)
      }
      return applied
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, 0)', [LOCK_SPACE.migrations])
    }
  } finally {
    client.release()
  }
}

async function applyOne(pool: pg.Pool, m: Migration): Promise<void> {
  try {
    await withTransaction(pool, async (c) => {
      await c.query(m.up)
      await c.query('INSERT INTO schema_migrations (module, version) VALUES ($1, $2)', [m.module, m.version])
    })
  } catch (err) {
    throw new AedgwError(
      'AEDGW_ERR_MIGRATION',
      `migration ${m.module} v${m.version} failed, nothing of it applied: ${(err as Error).message}`,
      { cause: err },
    )
  }
}
