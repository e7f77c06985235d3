// The state tier's PostgreSQL stores against a real PostgreSQL 15 started for this file: every
// store round-trips what the SQLite one does, the migrations apply once (also when two workers
// start together) and a failing one applies nothing.
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Silence } from '../../gateway/alerts/ports.ts'
import { PgAlertStore } from '../../gateway/alerts/postgres/alert-store.ts'
import { PgDeliveryStore } from '../../gateway/alerts/postgres/delivery-store.ts'
import { PgLinkUseStore } from '../../gateway/alerts/postgres/link-use-store.ts'
import { PgSilenceStore } from '../../gateway/alerts/postgres/silence-store.ts'
import { PgTokenStore } from '../../gateway/api/postgres/token-store.ts'
import { verifyAuditChain } from '../../gateway/feeds/bkkhdc/audit-chain.ts'
import type { Dataset } from '../../gateway/feeds/bkkhdc/dataset.ts'
import { PgExportStore } from '../../gateway/feeds/postgres/export-store.ts'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { runPgMigrations } from '../../gateway/lib/postgres/migrations.ts'
import { PgRegistryStore } from '../../gateway/registry/postgres/registry-store.ts'
import { PgLiveStateStore } from '../../gateway/state/postgres/live-state-store.ts'
import { postgresMigrations } from '../../gateway/wiring/postgres-migrations.ts'
import { type Postgres, postgresAvailable, startTempPostgres } from '../../scripts/lib/postgres.ts'
import { alertFixture, liveWithDoor, openTransition } from '../helpers/postgres-fixtures.ts'

const NOW = Date.UTC(2026, 10, 26, 8, 0, 0)
let server: Postgres
let pool: pg.Pool

describe.runIf(postgresAvailable())('PostgreSQL stores', () => {
  beforeAll(async () => {
    server = await startTempPostgres()
    pool = createPgPool({ url: await server.createDatabase('stores') })
    await runPgMigrations(pool, postgresMigrations)
  })
  afterAll(async () => {
    await pool?.end()
    await server?.stop()
  })

  it('applies each migration once, also when two workers migrate the same database together', async () => {
    const url = await server.createDatabase('migrate_twice')
    const a = createPgPool({ url })
    const b = createPgPool({ url })
    try {
      const [ranA, ranB] = await Promise.all([
        runPgMigrations(a, postgresMigrations),
        runPgMigrations(b, postgresMigrations),
      ])
      expect(ranA.length + ranB.length).toBe(postgresMigrations.length)
      expect(await runPgMigrations(a, postgresMigrations)).toEqual([])
      const { rows } = await a.query('SELECT module, version FROM schema_migrations ORDER BY module, version')
      expect(rows.map((r) => `${r.module}/${r.version}`)).toEqual(
        postgresMigrations.map((m) => `${m.module}/${m.version}`).sort(),
      )
      expect(new Set(rows.map((r) => r.module))).toEqual(
        new Set(['alerts', 'api', 'feeds', 'registry', 'state']),
      )
    } finally {
      await a.end()
      await b.end()
    }
  })

  it('applies nothing of a migration that fails and reports AEDGW_ERR_MIGRATION', async () => {
    const bad = [{ module: 'broken', version: 1, up: 'CREATE TABLE half_made (x int); SELECT 1 / 0' }]
    await expect(runPgMigrations(pool, bad)).rejects.toMatchObject({ code: 'AEDGW_ERR_MIGRATION' })
    const { rows } = await pool.query(`SELECT to_regclass('half_made') AS t`)
    expect(rows[0].t).toBeNull()
    const rec = await pool.query(`SELECT 1 FROM schema_migrations WHERE module = 'broken'`)
    expect(rec.rowCount).toBe(0)
  })

  it('round-trips cabinets: insert, new registration, new secret, retire', async () => {
    const store = new PgRegistryStore(pool)
    const salt = Buffer.from('00ff10', 'hex')
    const hash = Buffer.from('deadbeef', 'hex')
    const rec = {
      id: 'AED-0001',
      registration: '{"district":"1001"}',
      secret_salt: salt,
      secret_hash: hash,
      created_at: '2026-11-26T08:00:00.000Z',
      updated_at: '2026-11-26T08:00:00.000Z',
      retired: 0,
    }
    await store.insert(rec)
    expect(await store.all()).toEqual([rec])
    await store.retire('AED-0001', '2026-11-26T09:00:00.000Z')
    expect((await store.get('AED-0001'))?.retired).toBe(1)
    await store.updateRegistration('AED-0001', '{"district":"1002"}', '2026-11-26T10:00:00.000Z')
    await store.updateSecret('AED-0001', Buffer.from('01'), Buffer.from('02'), '2026-11-26T11:00:00.000Z')
    expect(await store.get('AED-0001')).toEqual({
      ...rec,
      registration: '{"district":"1002"}',
      secret_salt: Buffer.from('01'),
      secret_hash: Buffer.from('02'),
      updated_at: '2026-11-26T11:00:00.000Z',
      retired: 0,
    })
    await expect(store.insert(rec)).rejects.toMatchObject({ code: '23505' })
  })

  it('round-trips API tokens, lists and revokes them, and replaces the bootstrap token', async () => {
    const store = new PgTokenStore(pool)
    const h = Buffer.from('aa55', 'hex')
    await store.insert(h, 'ops', 'dispatcher', '2026-11-26T08:00:00.000Z', '2026-12-26T08:00:00.000Z')
    expect(await store.find(h)).toMatchObject({ id: 'aa55', name: 'ops', role: 'dispatcher', bootstrap: 0 })
    expect((await store.find(h))?.expires_at).toBe('2026-12-26T08:00:00.000Z')
    await store.replaceBootstrap(Buffer.from('b1', 'hex'), 'bootstrap-admin', '2026-11-26T09:00:00.000Z')
    await store.replaceBootstrap(Buffer.from('b2', 'hex'), 'bootstrap-admin', '2026-11-26T10:00:00.000Z')
    expect(await store.find(Buffer.from('b1', 'hex'))).toBeNull()
    expect(await store.find(Buffer.from('b2', 'hex'))).toMatchObject({ role: 'admin', bootstrap: 1 })
    expect((await store.list()).map((t) => t.name)).toEqual(['ops', 'bootstrap-admin'])
    expect(await store.remove('aa55')).toMatchObject({ name: 'ops' })
    expect(await store.find(h)).toBeNull()
    expect(await store.find(Buffer.from('00', 'hex'))).toBeNull()
    await expect(store.insert(Buffer.from('01'), 'x', 'root' as 'admin', 'now', null)).rejects.toMatchObject({
      code: '23514',
    })
  })

  it('round-trips live state, saved in batches and one cabinet at a time', async () => {
    const store = new PgLiveStateStore(pool)
    const open = liveWithDoor('open', NOW)
    const closed = liveWithDoor('closed', NOW + 1)
    await store.saveMany(
      [
        { cabinet: 'B', live: closed },
        { cabinet: 'A', live: open },
      ],
      NOW,
    )
    expect(await store.loadAll()).toEqual([
      { cabinet: 'A', live: open },
      { cabinet: 'B', live: closed },
    ])
    await store.save('A', closed, NOW + 2)
    expect(await store.get('A')).toEqual(closed)
    expect(await store.get('nobody')).toBeNull()
  })

  it('round-trips alerts, their transitions in order, filters and stage values', async () => {
    const store = new PgAlertStore(pool)
    const a = alertFixture('al_1', 'AED-1', 'door_open', NOW)
    await store.record(a, openTransition(a))
    const acked = { ...a, state: 'acknowledged' as const, updated_ms: NOW + 5, acknowledged_by: 'som' }
    await store.record(acked, {
      ...openTransition(a),
      kind: 'acknowledge',
      at_ms: NOW + 5,
      from_state: 'active',
      to_state: 'acknowledged',
      by: 'som',
      comment: 'on my way',
    })
    const b = { ...alertFixture('al_2', 'AED-2', 'battery_low', NOW), severity: 'warning' as const }
    await store.record(b, openTransition(b))
    expect(await store.get('al_1')).toEqual(acked)
    expect((await store.transitions('al_1')).map((t) => [t.kind, t.by, t.comment])).toEqual([
      ['open', 'system', null],
      ['acknowledge', 'som', 'on my way'],
    ])
    expect((await store.list({ states: ['acknowledged'], limit: 10 })).map((x) => x.id)).toEqual(['al_1'])
    expect((await store.list({ severity: 'warning', limit: 10 })).map((x) => x.id)).toEqual(['al_2'])
    expect((await store.list({ limit: 1 })).map((x) => x.id)).toEqual(['al_1'])
    expect((await store.findOpen('AED-1', 'door_open'))?.id).toBe('al_1')
    await store.record({ ...b, state: 'resolved', updated_ms: NOW - 10 }, openTransition(b))
    expect((await store.loadCurrent(NOW)).map((x) => x.id)).toEqual(['al_1'])

    await store.setKv('group:a', { n: 1 })
    await store.setKv('group:b', { n: 2 })
    await store.setKv('hold:a', { n: 3 })
    expect(await store.getKv('group:a')).toEqual({ n: 1 })
    expect(await store.listKv('group:')).toEqual([{ n: 1 }, { n: 2 }])
    await store.setKv('group:a', null)
    expect(await store.getKv('group:a')).toBeNull()
  })

  it('refuses a second open alert of one type for a cabinet', async () => {
    const store = new PgAlertStore(pool)
    const a = alertFixture('al_x1', 'AED-X', 'tamper', NOW)
    await store.record(a, openTransition(a))
    const twin = alertFixture('al_x2', 'AED-X', 'tamper', NOW)
    await expect(store.record(twin, openTransition(twin))).rejects.toMatchObject({ code: '23505' })
    expect(await store.transitions('al_x2')).toEqual([])
    // pruning by age takes resolved alerts only (earlier tests left some): this open one stays
    await store.pruneResolved(NOW + 1)
    expect(await store.list({ states: ['resolved'], limit: 1000 })).toEqual([])
    expect((await store.transitions('al_x1')).length).toBe(1)
  })

  it('keeps a delivery key once: a repeated enqueue, even after delivery, stores nothing', async () => {
    const store = new PgDeliveryStore(pool)
    const d = {
      id: 'n1/webhook',
      notifier: 'webhook',
      payload: '{}',
      created_ms: NOW,
      attempts: 0,
      next_ms: NOW,
    }
    const e = { ...d, id: 'n1/line', notifier: 'line', next_ms: NOW + 1000 }
    expect(await store.enqueue([d, e])).toEqual(['n1/webhook', 'n1/line'])
    expect(await store.enqueue([d])).toEqual([])
    expect(await store.pendingCount()).toBe(2)
    expect((await store.due(NOW, 10)).map((x) => x.id)).toEqual(['n1/webhook'])
    await store.retryAt('n1/line', 1, NOW + 5000, 'HTTP 503')
    expect((await store.due(NOW + 1000, 10)).map((x) => x.id)).toEqual(['n1/webhook'])
    await store.delivered('n1/webhook')
    expect(await store.stateOf('n1/webhook')).toBe('delivered')
    expect(await store.enqueue([d])).toEqual([])
    expect(await store.due(NOW + 5000, 10)).toMatchObject([{ id: 'n1/line', attempts: 1 }])
    await store.failed('n1/line', 'HTTP 400', 2)
    expect(await store.stateOf('n1/line')).toBe('failed')
    expect(await store.pendingCount()).toBe(0)
    // pruning by age drops what was given up on; a delivered key stays, so it is never sent twice
    expect(await store.pruneFailed(NOW + 1)).toBe(1)
    expect(await store.stateOf('n1/line')).toBeNull()
    expect(await store.stateOf('n1/webhook')).toBe('delivered')
  })

  it('lets one sender claim a delivery until its claim runs out, then another gets the same key', async () => {
    const store = new PgDeliveryStore(pool)
    const d = {
      id: 'n2/webhook',
      notifier: 'webhook',
      payload: '{}',
      created_ms: NOW,
      attempts: 0,
      next_ms: NOW,
    }
    await store.enqueue([d])
    expect((await store.claimDue(NOW, 10, 30_000)).map((x) => x.id)).toEqual(['n2/webhook'])
    expect(await store.claimDue(NOW + 1, 10, 30_000)).toEqual([])
    // the claimer died before recording the delivery: after the claim, the same key is sent again
    expect((await store.claimDue(NOW + 30_000, 10, 30_000)).map((x) => x.id)).toEqual(['n2/webhook'])
    await store.delivered('n2/webhook')
    expect(await store.claimDue(NOW + 120_000, 10, 30_000)).toEqual([])
  })

  it('claims a signed link once until it expires', async () => {
    const store = new PgLinkUseStore(pool)
    expect(await store.claim('nonce-1', 'al_1', NOW, NOW + 1000)).toBe(true)
    expect(await store.claim('nonce-1', 'al_1', NOW + 1, NOW + 1000)).toBe(false)
    expect(await store.used('nonce-1')).toBe(true)
    await store.release('nonce-1')
    expect(await store.used('nonce-1')).toBe(false)
    expect(await store.claim('nonce-2', 'al_1', NOW, NOW + 1000)).toBe(true)
    expect(await store.claim('nonce-2', 'al_1', NOW + 1001, NOW + 2000)).toBe(true)
  })

  it('round-trips silences', async () => {
    const store = new PgSilenceStore(pool)
    const s: Silence = {
      id: 'si_1',
      matchers: [{ name: 'district', value: '1001', is_regex: false, is_equal: true }],
      starts_ms: NOW,
      ends_ms: NOW + 3_600_000,
      created_by: 'som',
      comment: 'works in the park',
      created_ms: NOW,
    }
    await store.insert(s)
    await store.update({ ...s, ends_ms: NOW + 60_000 })
    expect(await store.all()).toEqual([{ ...s, ends_ms: NOW + 60_000 }])
  })

  it('round-trips BKKHDC exports and chains audit entries appended in parallel', async () => {
    const store = new PgExportStore(pool)
    const ds = dataset('2026-10', 'bkkhdc-aed-2026-10')
    await store.insert(ds, 1, NOW)
    expect(await store.files('bkkhdc-aed-2026-10')).toEqual(ds.files)
    expect(await store.files('nothing')).toEqual({})
    expect(await store.due(NOW)).toMatchObject([{ dataset_id: 'bkkhdc-aed-2026-10', state: 'pending' }])
    await store.attemptFailed('bkkhdc-aed-2026-10', 'HTTP 503', NOW + 60_000)
    expect(await store.due(NOW)).toEqual([])
    await store.delivered('bkkhdc-aed-2026-10', NOW + 60_000)
    const [item] = await store.forMonth('2026-10')
    expect(item).toMatchObject({
      state: 'delivered',
      attempts: 2,
      delivered_ms: NOW + 60_000,
      last_error: null,
    })
    expect(item?.manifest).toEqual(ds.manifest)
    await store.insert(dataset('2026-10', 'bkkhdc-aed-2026-10-r2'), 2, NOW + 1)
    await store.attemptFailed('bkkhdc-aed-2026-10-r2', 'HTTP 400', null)
    expect((await store.list()).map((x) => [x.dataset_id, x.state])).toEqual([
      ['bkkhdc-aed-2026-10-r2', 'failed'],
      ['bkkhdc-aed-2026-10', 'delivered'],
    ])

    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.audit({
          at_ms: NOW + i,
          dataset_id: null,
          month: '2026-10',
          action: 'build',
          detail: { i, b: { z: 1, a: 2 } },
        }),
      ),
    )
    const chain = await store.auditChain()
    expect(chain.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(verifyAuditChain(chain)).toMatchObject({ ok: true, checked: 8 })
    expect((await store.auditLog(2)).map((e) => e.id)).toEqual([8, 7])
  })
})

function dataset(month: string, id: string): Dataset {
  return {
    manifest: {
      dataset_id: id,
      schema_version: '1.2',
      producer: 'aed-gateway',
      period: { month, first_day: `${month}-01`, last_day: `${month}-31`, time_zone: 'Asia/Bangkok' },
      generated_at: '2026-11-01T00:05:00+07:00',
      suppression: { rule: 'n<5', marker: 'small', grouped_districts: [], pattern_of: null },
      files: [{ name: 'cabinets.csv', media_type: 'text/csv', rows: 1, bytes: 12, sha256: 'ab' }],
    },
    files: { 'cabinets.csv': 'id,district\n', 'readiness.csv': 'b,a\n1,2\n' },
  }
}
