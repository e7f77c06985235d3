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
  {
    // expiry, and which row is the AEDGW_ADMIN_TOKEN bootstrap (SQLite's version 3)
    module: 'api',
    version: 2,
    up: `ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN bootstrap INTEGER NOT NULL DEFAULT 0`,
  },
]
