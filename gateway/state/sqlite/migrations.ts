import type { Migration } from '../../lib/migrations.ts'

/** Live state's tables in state.db. */
export const stateMigrations: Migration[] = [
  {
    module: 'state',
    version: 1,
    up: `CREATE TABLE IF NOT EXISTS live_state (
      cabinet TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      updated_ms INTEGER NOT NULL
    )`,
  },
]
