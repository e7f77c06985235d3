import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bangkokWallDate } from '../../../gateway/feeds/bangkok-time.ts'
import { HealthMapFeed } from '../../../gateway/feeds/healthmap/feed.ts'
import { OpeningHoursEvaluator } from '../../../gateway/feeds/healthmap/opening-hours.ts'
import { PUBLIC_ID_PURPOSE, publicId } from '../../../gateway/feeds/healthmap/public-id.ts'
import { HealthMapPush } from '../../../gateway/feeds/healthmap/push.ts'
import { publicStatus } from '../../../gateway/feeds/healthmap/status.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
import { Registry } from '../../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../../gateway/registry/sqlite/registry-store.ts'
import type { Readiness } from '../../../gateway/rules/readiness.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'
import { HttpReceiver } from '../../helpers/receivers.ts'

// Tuesday 10 March 2026, Bangkok time (UTC+7)
const bkk = (h: number, m = 0) => Date.UTC(2026, 2, 10, h - 7, m)

describe('public status', () => {
  it('maps readiness to available, unavailable or unknown', () => {
    expect(publicStatus('ready', null)).toBe('available')
    expect(publicStatus('degraded', true)).toBe('available')
    expect(publicStatus('not_ready', true)).toBe('unavailable')
    expect(publicStatus('in_use', true)).toBe('unavailable')
    expect(publicStatus('offline', true)).toBe('unknown')
    expect(publicStatus('unknown', true)).toBe('unknown')
  })

  it('makes an available cabinet behind a closed door unavailable', () => {
    expect(publicStatus('ready', false)).toBe('unavailable')
    expect(publicStatus('offline', false)).toBe('unknown')
  })
})

describe('opening hours in Bangkok time', () => {
  const oh = new OpeningHoursEvaluator()

  it('reads a Date whose local fields are Bangkok wall time', () => {
    const d = bangkokWallDate(bkk(21, 5))
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([
      2026, 2, 10, 21, 5,
    ])
  })

  it('is open at noon and closed at 21:00 for office hours', () => {
    expect(oh.openAt('Mo-Fr 08:00-17:00', bkk(12))).toBe(true)
    expect(oh.openAt('Mo-Fr 08:00-17:00', bkk(21))).toBe(false)
    // Bangkok 06:00 Wednesday is still Tuesday 23:00 UTC: the Bangkok day counts
    expect(oh.openAt('We 05:00-07:00', bkk(30))).toBe(true)
  })

  it('is always open for 24/7 and unknown without a (valid) value', () => {
    expect(oh.openAt('24/7', bkk(3))).toBe(true)
    expect(oh.openAt(undefined, bkk(3))).toBeNull()
    expect(oh.openAt('not hours ###', bkk(3))).toBeNull()
  })
})

describe('public id', () => {
  const key = (fill: number, version = 1) =>
    new SecretHasher(Buffer.alloc(32, fill)).derive(PUBLIC_ID_PURPOSE, version)

  it('is stable under one key, opaque, and differs under another key', () => {
    const id = publicId(key(1), 'BKK-1047-0007')
    expect(id).toMatch(/^aed-[a-z2-7]{16}$/)
    expect(publicId(key(1), 'BKK-1047-0007')).toBe(id)
    expect(publicId(key(1), 'BKK-1047-0008')).not.toBe(id)
    expect(publicId(key(2), 'BKK-1047-0007')).not.toBe(id)
    expect(id).not.toContain('1047')
  })

  it('is not made with the key that hashes secrets, and changes when its key version is raised', () => {
    const server = Buffer.alloc(32, 1)
    const hasher = new SecretHasher(server)
    const id = publicId(hasher.derive(PUBLIC_ID_PURPOSE, 1), 'BKK-1047-0007')
    // the 80-bit prefix of an HMAC under the server key itself, whatever the context: never the id
    const underServerKey = (context: string) =>
      createHmac('sha256', server).update(context).update('BKK-1047-0007').digest().subarray(0, 10)
    const bytes = (publicId: string) => publicId.slice(4)
    for (const context of ['', 'aedgw healthmap public id v1', PUBLIC_ID_PURPOSE])
      expect(bytes(id)).not.toBe(bytes(publicIdOfDigest(underServerKey(context))))
    const rotated = publicId(hasher.derive(PUBLIC_ID_PURPOSE, 2), 'BKK-1047-0007')
    expect(rotated).not.toBe(id)
    expect(publicId(hasher.derive(PUBLIC_ID_PURPOSE, 2), 'BKK-1047-0007')).toBe(rotated)
  })
})

/** The public-id encoding of an 80-bit digest prefix (base32, as public-id.ts writes it). */
function publicIdOfDigest(digest: Buffer): string {
  return publicId({ mac: () => digest } as never, '')
}

describe('health-map feed', () => {
  let dir: string
  let db: Database.Database
  let registry: Registry
  let now = bkk(12, 7)
  const readiness = new Map<string, Readiness>()
  let feed: HealthMapFeed
  const makeFeed = (includePrivate: boolean) =>
    new HealthMapFeed({
      registry,
      readinessOf: (id) => ({ readiness: readiness.get(id) ?? 'unknown', reasons: [] }),
      idKey: new SecretHasher(Buffer.alloc(32, 4)).derive(PUBLIC_ID_PURPOSE, 1),
      openingHours: new OpeningHoursEvaluator(),
      clock: () => now,
      intervalMs: 5 * 60_000,
      includePrivate,
    })

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-feed-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
    registry = new Registry({
      store: new SqliteRegistryStore(db),
      hasher: new SecretHasher(Buffer.alloc(32, 3)),
      log: pino({ level: 'silent' }),
      clock: () => now,
    })
    registry.start()
    now = bkk(12, 7)
    feed = makeFeed(false)
    const base = { lat: 13.6683, lon: 100.6044, district_code: '1047' }
    registry.register({
      id: 'BKK-1047-0001',
      name: 'Office',
      opening_hours: 'Mo-Fr 08:00-17:00',
      indoor: true,
      ...base,
    })
    registry.register({ id: 'BKK-1047-0002', name: 'Pier', opening_hours: '24/7', ...base })
    registry.register({ id: 'BKK-1047-0003', name: 'Gone', ...base })
    registry.retire('BKK-1047-0003')
    registry.register({ id: 'BKK-1047-0004', name: 'Staff room', access: 'private', ...base })
    registry.register({ id: 'BKK-1047-0005', name: 'Locked', access: 'no', ...base })
    readiness.set('BKK-1047-0004', 'ready').set('BKK-1047-0005', 'ready')
    readiness.set('BKK-1047-0001', 'ready').set('BKK-1047-0002', 'ready')
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const props = () => feed.snapshot().collection.features.map((f) => f.properties)
  const byName = (name: string) => props().find((p) => p.name === name)!

  it('leaves cabinets with access private or no out unless configured', () => {
    expect(props().map((p) => p.name)).not.toContain('Staff room')
    expect(props().map((p) => p.name)).not.toContain('Locked')
    const names = makeFeed(true)
      .snapshot()
      .collection.features.map((f) => f.properties.name)
    expect(names).toEqual(expect.arrayContaining(['Staff room', 'Locked']))
  })

  it('changes only on a 5-minute boundary when polled every second across an AED removal', () => {
    const start = bkk(12, 0)
    const removedAt = bkk(12, 2) + 17_000
    const polls: Array<{ t: number; status: string; etag: string; modified: number }> = []
    readiness.set('BKK-1047-0002', 'ready')
    for (let t = start; t < bkk(12, 12); t += 1000) {
      now = t
      if (t >= removedAt) readiness.set('BKK-1047-0002', 'in_use')
      const snap = feed.snapshot()
      const pier = snap.collection.features.find((f) => f.properties.name === 'Pier')!
      polls.push({ t, status: pier.properties.status, etag: snap.etag, modified: snap.modifiedAtMs })
    }
    const firstUnavailable = polls.find((p) => p.status === 'unavailable')!
    // removed at 12:02:17, seen at 12:05:00, not a second earlier
    expect(firstUnavailable.t).toBe(bkk(12, 5))
    expect(firstUnavailable.modified).toBe(bkk(12, 5))
    // the ETag and Last-Modified of every poll are those of the boundary before it
    for (const p of polls) expect(p.modified % (5 * 60_000)).toBe(0)
    const etagChanges = polls.filter((p, i) => i > 0 && p.etag !== polls[i - 1]!.etag).map((p) => p.t)
    expect(etagChanges).toEqual([bkk(12, 5)])
    // the status_updated it shows is a boundary too (rounded down to 15 minutes)
    const pier = feed.snapshot().collection.features.find((f) => f.properties.name === 'Pier')!
    expect(pier.properties.status_updated).toBe(new Date(bkk(12, 0)).toISOString())
  })

  it('carries on from a collection another process published: same body, status_updated kept', () => {
    now = bkk(9, 1)
    const published = feed.snapshot()
    // an hour later, in a new process (the next holder of the push's lease), nothing changed
    now = bkk(10, 2)
    const fresh = makeFeed(false)
    expect(fresh.snapshot().etag).not.toBe(published.etag)
    const next = makeFeed(false)
    next.seed(published.collection)
    const snap = next.snapshot()
    expect(snap.body).toBe(published.body)
    // a status that changed since is dated from now, as it would be in the publishing process
    now = bkk(10, 31)
    readiness.set('BKK-1047-0002', 'in_use')
    const pier = next.snapshot().collection.features.find((f) => f.properties.name === 'Pier')!
    expect(pier.properties.status_updated).toBe(new Date(bkk(10, 30)).toISOString())
  })

  it('pushes snapshots only: an AED removed between boundaries reaches the health map at the next one', async () => {
    const rx = new HttpReceiver()
    const url = await rx.start()
    const push = new HealthMapPush({
      snapshot: () => feed.snapshot(),
      url,
      token: null,
      debounceMs: 1000,
      timeoutMs: 2000,
      log: pino({ level: 'silent' }),
    })
    const pierStatus = (body: string) =>
      (
        JSON.parse(body) as { features: Array<{ properties: { name: string; status: string } }> }
      ).features.find((f) => f.properties.name === 'Pier')?.properties.status
    try {
      readiness.set('BKK-1047-0002', 'ready')
      now = bkk(12, 0)
      await push.check()
      await push.check()
      expect(rx.requests).toHaveLength(1)
      readiness.set('BKK-1047-0002', 'in_use')
      // checked every second until just before the boundary: nothing new is sent
      for (now = bkk(12, 0) + 1000; now < bkk(12, 5); now += 1000) await push.check()
      expect(rx.requests).toHaveLength(1)
      now = bkk(12, 5)
      await push.check()
      expect(rx.requests).toHaveLength(2)
      expect(pierStatus(rx.requests[1]!.body)).toBe('unavailable')
      expect(rx.requests[1]!.headers['last-modified']).toBe(new Date(bkk(12, 5)).toUTCString())
    } finally {
      await rx.stop()
    }
  })

  it('leaves retired cabinets out and tags OpenStreetMap style', () => {
    expect(
      props()
        .map((p) => p.name)
        .sort(),
    ).toEqual(['Office', 'Pier'])
    expect(byName('Office')).toMatchObject({
      emergency: 'defibrillator',
      indoor: 'yes',
      district_name: 'Bang Na',
    })
  })

  it('rounds status_updated down to 15 minutes and keeps it while the status holds', () => {
    expect(byName('Pier').status_updated).toBe(new Date(bkk(12, 0)).toISOString())
    now = bkk(12, 40)
    expect(byName('Pier').status_updated).toBe(new Date(bkk(12, 0)).toISOString())
    readiness.set('BKK-1047-0002', 'in_use')
    now = bkk(12, 45)
    expect(byName('Pier')).toMatchObject({
      status: 'unavailable',
      status_updated: new Date(bkk(12, 45)).toISOString(),
    })
  })

  it('changes its ETag only when the content changes', () => {
    now = bkk(12, 7)
    const a = feed.snapshot().etag
    expect(feed.snapshot().etag).toBe(a)
    now = bkk(21)
    expect(byName('Office')).toMatchObject({ status: 'unavailable', open_now: false })
    expect(feed.snapshot().etag).not.toBe(a)
  })
})
