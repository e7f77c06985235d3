import type Database from 'better-sqlite3'

const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>()

/**
 * `db.prepare(sql)`, compiled once per connection and SQL text: a store method called per alert or
 * per notification (an alert storm calls it a thousand times a second) does not compile its SQL
 * again each time. Only for fixed SQL used plainly (no pluck, raw or iterate modes, which stay set
 * on a statement); SQLite prepares a cached statement again by itself after a schema change.
 */
export function statement(db: Database.Database, sql: string): Database.Statement {
  let bySql = prepared.get(db)
  if (!bySql) {
    bySql = new Map()
    prepared.set(db, bySql)
  }
  let s = bySql.get(sql)
  if (!s) {
    s = db.prepare(sql)
    bySql.set(sql, s)
  }
  return s
}
