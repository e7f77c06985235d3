import type Database from 'better-sqlite3'
import type { TokenStore } from '../api/ports.ts'
import { SqliteTokenStore } from '../api/sqlite/token-store.ts'
import type { RetainedStore } from '../broker/ports.ts'
import { SqliteRetainedStore } from '../broker/sqlite/retained-store.ts'
import type { ExportStore } from '../feeds/bkkhdc/export-store.ts'
import type { ReadinessHistoryStore } from '../feeds/ports.ts'
import { SqliteExportStore } from '../feeds/sqlite/export-store.ts'
import { SqliteReadinessHistoryStore } from '../feeds/sqlite/readiness-history-store.ts'
import type { RegistryStore } from '../registry/ports.ts'
import { SqliteRegistryStore } from '../registry/sqlite/registry-store.ts'
import { STATE_DB_MIGRATIONS } from '../state-db-migrations.ts'
import { openStateDb } from '../store/database.ts'

/** The stores kept in state.db, behind the ports their stages own (docs/architecture.md). */
export interface StateDbStores {
  db: Database.Database
  registry: RegistryStore
  tokens: TokenStore
  retained: RetainedStore
  exports: ExportStore
  readinessHistory: ReadinessHistoryStore
}

/**
 * Opens state.db with every stage's migrations applied and builds the SQLite implementation of
 * each port. The alert stages' stores are built in wiring/alerting.ts from the same database.
 */
export function openStateDbStores(dataDir: string): StateDbStores {
  const db = openStateDb(dataDir, STATE_DB_MIGRATIONS)
  return {
    db,
    registry: new SqliteRegistryStore(db),
    tokens: new SqliteTokenStore(db),
    retained: new SqliteRetainedStore(db),
    exports: new SqliteExportStore(db),
    readinessHistory: new SqliteReadinessHistoryStore(db),
  }
}
