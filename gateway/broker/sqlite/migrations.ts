import type { Migration } from '../../lib/migrations.ts'

/** The broker's tables in state.db. */
export const brokerMigrations: Migration[] = [
  {
    module: 'broker',
    version: 1,
    up: `CREATE TABLE IF NOT EXISTS retained_status (
      cabinet TEXT PRIMARY KEY,
      payload TEXT NOT NULL,
      updated_ms INTEGER NOT NULL
    )`,
  },
]
