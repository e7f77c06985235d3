import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { apiMigrations } from '../../../gateway/api/sqlite/migrations.ts'
import { SqliteTokenStore } from '../../../gateway/api/sqlite/token-store.ts'
import { ApiTokens } from '../../../gateway/api/tokens.ts'
import { runMigrations } from '../../../gateway/lib/migrations.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
import { FakeClock } from '../../helpers/readings.ts'

describe('API tokens', () => {
  let db: Database.Database

  beforeEach(() => {
    db = new Database(':memory:')
    runMigrations(db, apiMigrations)
  })
  afterEach(() => db.close())

  it('records when a token was made from the injected clock', () => {
    const clock = new FakeClock(Date.UTC(2031, 0, 2, 3, 4, 5))
    const tokens = new ApiTokens({ store: new SqliteTokenStore(db), hasher: hasher(), clock: clock.fn })
    const token = tokens.create('night shift', 'maintainer')
    clock.advance(60_000)
    tokens.bootstrapAdmin('bootstrap-admin-token-0123456789')
    expect(db.prepare('SELECT name, role, created_at FROM api_tokens ORDER BY created_at').all()).toEqual([
      { name: 'night shift', role: 'maintainer', created_at: '2031-01-02T03:04:05.000Z' },
      { name: 'bootstrap-admin', role: 'admin', created_at: '2031-01-02T03:05:05.000Z' },
    ])
    expect(tokens.identify(token)).toEqual({ name: 'night shift', role: 'maintainer' })
  })
})

function hasher(): SecretHasher {
  return new SecretHasher(Buffer.alloc(32, 7))
}
