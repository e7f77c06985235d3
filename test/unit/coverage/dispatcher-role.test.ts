import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { SqliteTokenStore } from '../../../gateway/api/sqlite/token-store.ts'
import { ApiTokens } from '../../../gateway/api/tokens.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb, stateDbFile } from '../../../gateway/store/database.ts'

describe('the dispatcher role', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-roles-'))
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is accepted by a state.db made before it existed, keeping its tokens', () => {
    mkdirSync(dir, { recursive: true })
    const old = new Database(stateDbFile(dir))
    old.exec(`CREATE TABLE api_tokens (
      hash BLOB PRIMARY KEY,
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('viewer', 'maintainer', 'admin')),
      created_at TEXT NOT NULL
    )`)
    const hasher = SecretHasher.fromDataDir(dir)
    // a token as the gateway of that time stored it: the keyed hash, name, role, creation time
    const viewer = 'city-dashboard-token-0123456789abcdef'
    const insert = old.prepare('INSERT INTO api_tokens (hash, name, role, created_at) VALUES (?, ?, ?, ?)')
    insert.run(hasher.hash(viewer, Buffer.from('aedgw-api-token')), 'city dashboard', 'viewer', '2026-01-01')
    expect(() => insert.run(Buffer.from('01', 'hex'), '1669', 'dispatcher', '2026-01-01')).toThrow(
      /CHECK constraint/,
    )
    old.close()

    const db = openStateDb(dir, STATE_DB_MIGRATIONS)
    const tokens = new ApiTokens({ store: new SqliteTokenStore(db), hasher, clock: Date.now })
    expect(tokens.identify(viewer)).toEqual({ name: 'city dashboard', role: 'viewer' })
    const dispatcher = tokens.create('1669 Bangkok', 'dispatcher')
    expect(tokens.roleOf(dispatcher)).toBe('dispatcher')
    db.close()
  })
})
