import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { consoleLinkUrl, SignedLinks } from '../../../gateway/alerts/signed-links.ts'
import { SqliteLinkUseStore } from '../../../gateway/alerts/sqlite/link-use-store.ts'
import { alertsMigrations } from '../../../gateway/alerts/sqlite/migrations.ts'
import { runMigrations } from '../../../gateway/lib/migrations.ts'
import { PurposeKey, SecretHasher } from '../../../gateway/lib/secrets.ts'
import { FakeClock } from '../../helpers/readings.ts'

const HOUR = 3_600_000

function memoryDb(): Database.Database {
  const db = new Database(':memory:')
  runMigrations(db, alertsMigrations)
  return db
}

function setup(key: PurposeKey = new PurposeKey('console-links', 1, randomBytes(32)), db = memoryDb()) {
  const clock = new FakeClock()
  const links = new SignedLinks({ key, uses: new SqliteLinkUseStore(db), clock: clock.fn, ttlMs: 72 * HOUR })
  return { links, clock, db, key }
}

describe('signed alert links', () => {
  it('verifies a link it signed, with its alert, role and expiry', () => {
    const { links, clock } = setup()
    const check = links.verify(links.sign('al_abc123', 'maintainer'))
    expect(check).toMatchObject({
      ok: true,
      claims: { alertId: 'al_abc123', role: 'maintainer', expiresMs: clock.now + 72 * HOUR },
    })
    expect(links.verify(links.sign('al_abc123', 'viewer'))).toMatchObject({ claims: { role: 'viewer' } })
  })

  it('refuses a link with any character of its payload or signature changed', () => {
    const { links } = setup()
    const token = links.sign('al_abc123')
    const [payload, mac] = token.split('.') as [string, string]
    const swap = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`
    for (let i = 0; i < payload.length; i += 7)
      expect(links.verify(`${swap(payload, i)}.${mac}`)).toEqual({ ok: false, reason: 'bad_signature' })
    expect(links.verify(`${payload}.${swap(mac, 3)}`)).toEqual({ ok: false, reason: 'bad_signature' })
    expect(links.verify('not-a-link')).toEqual({ ok: false, reason: 'malformed' })
  })

  it('refuses a link signed under another key', () => {
    const a = setup()
    const b = setup()
    expect(b.links.verify(a.links.sign('al_abc123'))).toEqual({ ok: false, reason: 'bad_signature' })
  })

  it('refuses a link once its expiry has passed', () => {
    const { links, clock } = setup()
    const token = links.sign('al_abc123')
    clock.advance(72 * HOUR - 1000)
    expect(links.verify(token).ok).toBe(true)
    clock.advance(1000)
    expect(links.verify(token)).toEqual({ ok: false, reason: 'expired' })
  })

  it('acts once: the second use is refused, also after a restart', () => {
    const { links, db, key } = setup()
    const token = links.sign('al_abc123')
    const check = links.verify(token)
    if (!check.ok) throw new Error('fresh link refused')
    expect(links.consume(check.claims, () => 'acknowledged')).toEqual({ ok: true, value: 'acknowledged' })
    expect(links.consume(check.claims, () => 'again')).toEqual({ ok: false })
    expect(links.verify(token)).toEqual({ ok: false, reason: 'used' })
    const restarted = new SignedLinks({
      key,
      uses: new SqliteLinkUseStore(db),
      clock: () => Date.now(),
      ttlMs: HOUR,
    })
    expect(restarted.verify(token)).toEqual({ ok: false, reason: 'used' })
    // another link to the same alert is its own
    expect(links.verify(links.sign('al_abc123')).ok).toBe(true)
  })

  it('is not spent when the action fails', () => {
    const { links } = setup()
    const check = links.verify(links.sign('al_abc123'))
    if (!check.ok) throw new Error('fresh link refused')
    expect(() =>
      links.consume(check.claims, () => {
        throw new Error('alert already resolved')
      }),
    ).toThrow('already resolved')
    expect(links.consume(check.claims, () => 1)).toEqual({ ok: true, value: 1 })
  })

  it('uses a key derived per purpose from the server key', () => {
    const hasher = new SecretHasher(randomBytes(32))
    const k1 = hasher.derive('console-links', 1)
    expect(k1.mac('x')).toEqual(hasher.derive('console-links', 1).mac('x'))
    expect(k1.mac('x')).not.toEqual(hasher.derive('something-else', 1).mac('x'))
    const { links } = setup(k1)
    const other = setup(hasher.derive('something-else', 1))
    expect(other.links.verify(links.sign('al_abc123')).ok).toBe(false)
  })

  it('puts the link in the console address fragment, which browsers never send', () => {
    expect(consoleLinkUrl('https://aed.example.org/', 'abc.def')).toBe(
      'https://aed.example.org/console/#/link/abc.def',
    )
  })
})
