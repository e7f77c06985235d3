import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

/**
 * state.db: the registry, API tokens and (later) alerts. Low write rates, so it is used on the
 * main thread; the hot path only reads in-memory caches built from it.
 */
export function stateDbFile(dataDir: string): string {
  return join(dataDir, 'state.db')
}

export function openStateDb(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true })
  const db = new Database(stateDbFile(dataDir))
  db.pragma('journal_mode = WAL')
  // WAL + NORMAL: every commit survives a crash of the process; only a power cut can lose the
  // last commits (https://www.sqlite.org/pragma.html#pragma_synchronous). This database is
  // written on the main thread (alert transitions, deliveries), where an fsync per commit would
  // stall MQTT; the PUBACK promise lives in outbox.db, which fsyncs every group commit.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  // no checkpoints here: they fsync, and this connection lives on the main thread. The outbox's
  // worker thread checkpoints this file every 2 s (stateDbFile, Outbox checkpointFiles).
  db.pragma('wal_autocheckpoint = 0')
  db.exec(`
    CREATE TABLE IF NOT EXISTS cabinets (
      id TEXT PRIMARY KEY,
      registration TEXT NOT NULL,
      secret_salt BLOB NOT NULL,
      secret_hash BLOB NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      retired INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS retained_status (
      cabinet TEXT PRIMARY KEY,
      payload TEXT NOT NULL,
      updated_ms INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS api_tokens (
      hash BLOB PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('viewer', 'dispatcher', 'maintainer', 'admin')),
      created_at TEXT NOT NULL
    );
  `)
  allowDispatcherRole(db)
  return db
}

/** A state.db made before the dispatcher role: its CHECK refuses it; SQLite can only rebuild the table. */
function allowDispatcherRole(db: Database.Database): void {
  const row = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'api_tokens'")
    .get() as { sql: string } | undefined
  if (!row || row.sql.includes("'dispatcher'")) return
  db.transaction(() => {
    db.exec(`
      ALTER TABLE api_tokens RENAME TO api_tokens_before_dispatcher;
      CREATE TABLE api_tokens (
        hash BLOB PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'dispatcher', 'maintainer', 'admin')),
        created_at TEXT NOT NULL
      );
      INSERT INTO api_tokens SELECT hash, name, role, created_at FROM api_tokens_before_dispatcher;
      DROP TABLE api_tokens_before_dispatcher;
    `)
  })()
}
