import { alertsMigrations } from './alerts/sqlite/migrations.ts'
import { apiMigrations } from './api/sqlite/migrations.ts'
import { brokerMigrations } from './broker/sqlite/migrations.ts'
import { feedsMigrations } from './feeds/sqlite/migrations.ts'
import type { Migration } from './lib/migrations.ts'
import { registryMigrations } from './registry/sqlite/migrations.ts'
import { stateMigrations } from './state/sqlite/migrations.ts'

/**
 * Every module's migrations for state.db, gathered by the composition root (each module owns its
 * own list; docs/architecture.md). outbox.db has its own, applied by the outbox's thread.
 */
export const STATE_DB_MIGRATIONS: readonly Migration[] = [
  ...registryMigrations,
  ...apiMigrations,
  ...brokerMigrations,
  ...stateMigrations,
  ...alertsMigrations,
  ...feedsMigrations,
]
