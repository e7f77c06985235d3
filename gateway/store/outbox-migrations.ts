import type { Migration } from '../lib/migrations.ts'

/** outbox.db, the store's own database: accepted lines and quarantined payloads. */
export const outboxMigrations: Migration[] = [
  {
    module: 'outbox',
    version: 1,
    up: `
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        cabinet TEXT NOT NULL,
        line TEXT NOT NULL,
        recv_ms INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recv_ms INTEGER NOT NULL,
        cabinet TEXT NOT NULL,
        topic TEXT NOT NULL,
        stage TEXT NOT NULL,
        reason TEXT NOT NULL,
        raw BLOB NOT NULL
      );
    `,
  },
]
