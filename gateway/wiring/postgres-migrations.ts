import { alertsPgMigrations } from '../alerts/postgres/migrations.ts'
import { apiPgMigrations } from '../api/postgres/migrations.ts'
import { feedsPgMigrations } from '../feeds/postgres/migrations.ts'
import type { Migration } from '../lib/migrations.ts'
import { registryPgMigrations } from '../registry/postgres/migrations.ts'
import { statePgMigrations } from '../state/postgres/migrations.ts'

/**
 * Every module's PostgreSQL migrations, in pipeline order, for `runPgMigrations` (cluster mode's
 * state tier; gateway/state-db-migrations.ts is the list for state.db).
 */
export const postgresMigrations: readonly Migration[] = [
  ...registryPgMigrations,
  ...statePgMigrations,
  ...alertsPgMigrations,
  ...feedsPgMigrations,
  ...apiPgMigrations,
]
