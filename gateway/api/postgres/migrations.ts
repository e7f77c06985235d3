import type { Migration } from '../../lib/migrations.ts'

/**
 * The API's tables in PostgreSQL (cluster mode). Version 1 is the schema SQLite reached at its
 * version 2 (with the dispatcher role): a PostgreSQL database starts there.
 */
export const apiPgMigrations: Migration[] = [
  {
    module: 'api',
    version: 1,
    up: `CREATE TABLE api_tokens (
      hash BYTEA PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('viewer', 'dispatcher', 'maintainer', 'admin')),
      created_at TEXT NOT NULL
    )`,
  },
]
