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
  {
    // expiry, and which row is the AEDGW_ADMIN_TOKEN bootstrap (a new one replaces it)
    module: 'api',
    version: 2,
    up: `ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN bootstrap INTEGER NOT NULL DEFAULT 0;
      UPDATE api_tokens SET bootstrap = 1 WHERE name = 'bootstrap-admin'`,
  },
]
