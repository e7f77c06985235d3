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
    module: 'api',
    version: 2,
    // the dispatcher role (coverage: live nearest AEDs for an emergency dispatch centre); SQLite
    // cannot alter a CHECK constraint, so the table is rebuilt with its tokens
    up: `ALTER TABLE api_tokens RENAME TO api_tokens_v1;
      CREATE TABLE api_tokens (
        hash BLOB PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'dispatcher', 'maintainer', 'admin')),
        created_at TEXT NOT NULL
      );
      INSERT INTO api_tokens SELECT hash, name, role, created_at FROM api_tokens_v1;
      DROP TABLE api_tokens_v1;`,
  },
  {
    // expiry, and which row is the AEDGW_ADMIN_TOKEN bootstrap (a new one replaces it)
    module: 'api',
    version: 3,
    up: `ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
      ALTER TABLE api_tokens ADD COLUMN bootstrap INTEGER NOT NULL DEFAULT 0;
      UPDATE api_tokens SET bootstrap = 1 WHERE name = 'bootstrap-admin'`,
  },
]
