import type { Migration } from '../../lib/migrations.ts'

/** The API's tables in state.db. */
export const apiMigrations: Migration[] = [
  {
    module: 'api',
    version: 1,
    up: `CREATE TABLE IF NOT EXISTS api_tokens (
      hash BLOB PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('viewer', 'maintainer', 'admin')),
      created_at TEXT NOT NULL
    )`,
  },
]
