import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { statement } from '../../../gateway/lib/statements.ts'

describe('statement', () => {
  it('compiles a SQL text once per connection', () => {
    const a = new Database(':memory:')
    const b = new Database(':memory:')
    const sql = 'SELECT 1 AS one'
    expect(statement(a, sql)).toBe(statement(a, sql))
    expect(statement(b, sql)).not.toBe(statement(a, sql))
    expect(statement(a, 'SELECT 2 AS two')).not.toBe(statement(a, sql))
    a.close()
    b.close()
  })

  it('keeps working across a schema change', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, data TEXT)')
    const put =
      'INSERT INTO kv (key, data) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET data = excluded.data'
    const get = 'SELECT data FROM kv WHERE key = ?'
    statement(db, put).run('a', '1')
    expect(statement(db, get).get('a')).toEqual({ data: '1' })
    db.exec('ALTER TABLE kv ADD COLUMN extra TEXT')
    db.exec('CREATE INDEX kv_data ON kv (data)')
    statement(db, put).run('a', '2')
    expect(statement(db, get).get('a')).toEqual({ data: '2' })
    db.close()
  })
})
