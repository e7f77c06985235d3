import type Database from 'better-sqlite3'
import { AedgwError } from './errors.ts'

/**
 * One step of a module's schema. Each module owns its tables and lists its migrations; version 1
 * of every module uses IF NOT EXISTS, so databases created before migrations were recorded open
 * with their data and simply get their versions recorded.
 */
export interface Migration {
  module: string
  version: number
  up: string
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each with its record in one
 * transaction, in version order per module (modules in the order given). Returns what it applied.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[]): Migration[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (module, version)
  )`)
  const done = new Set(
    (
      db.prepare('SELECT module, version FROM schema_migrations').all() as Array<{
        module: string
        version: number
      }>
    ).map((r) => `${r.module}/${r.version}`),
  )
  const record = db.prepare('INSERT INTO schema_migrations (module, version) VALUES (?, ?)')
  const applied: Migration[] = []
  for (const m of ordered(migrations)) {
    if (done.has(`${m.module}/${m.version}`)) continue
    try {
      db.transaction(() => {
        db.exec(m.up)
        record.run(m.module, m.version)
      })()
    } catch (err) {
      throw new AedgwError(
        'AEDGW_ERR_MIGRATION',
        `migration ${m.module} v${m.version} failed, nothing of it applied: ${(err as Error).message}`,
        { cause: err },
      )
    }
    applied.push(m)
  }
  return applied
}

/** Modules in first-seen order, each module's versions ascending; a gap or a repeat is a bug. */
export function ordered(migrations: readonly Migration[]): Migration[] {
  const byModule = new Map<string, Migration[]>()
  for (const m of migrations) byModule.set(m.module, [...(byModule.get(m.module) ?? []), m])
  const out: Migration[] = []
  for (const [module, list] of byModule) {
    list.sort((a, b) => a.version - b.version)
    list.forEach((m, i) => {
      if (m.version !== i + 1)
        throw new Error(`migrations of ${module}: expected version ${i + 1}, got ${m.version}`)
    })
    out.push(...list)
  }
  return out
}
