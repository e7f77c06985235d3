import type { Migration } from '../../lib/migrations.ts'

/** Live state in PostgreSQL (cluster mode): one JSON row per cabinet, as in state.db. */
export const statePgMigrations: Migration[] = [
  {
    module: 'state',
    version: 1,
    up: `CREATE TABLE live_state (
      cabinet TEXT PRIMARY KEY,
      data JSONB NOT NULL,
      updated_ms BIGINT NOT NULL
    )`,
  },
]
