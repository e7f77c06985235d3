import type { Migration } from '../../lib/migrations.ts'

/** The registry's tables in state.db. */
export const registryMigrations: Migration[] = [
  {
    module: 'registry',
    version: 1,
    up: `CREATE TABLE IF NOT EXISTS cabinets (
      id TEXT PRIMARY KEY,
      registration TEXT NOT NULL,
      secret_salt BLOB NOT NULL,
      secret_hash BLOB NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      retired INTEGER NOT NULL DEFAULT 0
    )`,
  },
]
