import type { Migration } from '../../lib/migrations.ts'

/** The registry's tables in PostgreSQL (cluster mode); the same module name as in state.db. */
export const registryPgMigrations: Migration[] = [
  {
    module: 'registry',
    version: 1,
    up: `CREATE TABLE cabinets (
      id TEXT PRIMARY KEY,
      registration TEXT NOT NULL,
      secret_salt BYTEA NOT NULL,
      secret_hash BYTEA NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      retired SMALLINT NOT NULL DEFAULT 0
    )`,
  },
]
