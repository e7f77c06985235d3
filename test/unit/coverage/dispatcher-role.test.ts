import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiTokens } from '../../../gateway/api/tokens.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
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
    const viewer = new ApiTokens(old, hasher).create('city dashboard', 'viewer')
    expect(() => new ApiTokens(old, hasher).create('1669', 'dispatcher')).toThrow(/CHECK constraint/)
    old.close()

    const db = openStateDb(dir)
    const tokens = new ApiTokens(db, hasher)
    expect(tokens.identify(viewer)).toEqual({ name: 'city dashboard', role: 'viewer' })
    const dispatcher = tokens.create('1669 Bangkok', 'dispatcher')
    expect(tokens.roleOf(dispatcher)).toBe('dispatcher')
    db.close()
  })
})
