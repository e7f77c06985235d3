import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { type Migration, runMigrations } from '../lib/migrations.ts'

/**
 * state.db: the SQLite implementation of the modules' stores (registry, API tokens, retained
 * statuses, live state, alerts and deliveries, silences, BKKHDC exports; docs/architecture.md).
 * Each module owns its tables and hands its migrations in; this file owns none. Low write rates,
 * so it is used on the main thread; the hot path only reads in-memory caches built from it.
 */
export function stateDbFile(dataDir: string): string {
  return join(dataDir, 'state.db')
}

/** Opens state.db and applies the modules' migrations not yet applied (state-db-migrations.ts). */
export function openStateDb(dataDir: string, migrations: readonly Migration[]): Database.Database {
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
  // SQLite's own default page cache (2 MB), not better-sqlite3's 16 MB: the hot path reads the
  // stages' in-memory caches, not this file; what a cache here would hold is the pages the last
  // saves touched, kept resident (docs/performance.md)
  db.pragma('cache_size = -2000')
  runMigrations(db, migrations)
  return db
}
