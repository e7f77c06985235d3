import { afterAll, beforeAll, describe, expect } from 'vitest'
import { registrationFor } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { type Arena, attack, startArena } from './arena.ts'
import { record, render } from './report.ts'

const SECTION = 'attacks (HTTP)'

/**
 * The HTTP side of the attack matrix. The API has no route that puts user input into InfluxQL
 * today (queries are built by the gateway from its own constants); ids and query parameters are
 * still aimed at it with quotes and semicolons, and must be refused or match nothing.
 */
describe('attacks over HTTP', () => {
  let arena: Arena
  let viewer: string
  let maintainer: string
  const a = () => arena

  const call = async (method: string, path: string, body?: unknown, token?: string | null) => {
    const r = await arena.gw.api(method, path, body, token)
    // errors are JSON {error, message} and never carry a stack trace
    if (r.status >= 400) {
      expect(r.json).toMatchObject({ error: expect.any(String) })
      expect(JSON.stringify(r.json)).not.toMatch(/\bat .*\.(ts|js):\d+/)
    }
    return r
  }
  const cabinetCount = async () => (await call('GET', '/api/v1/cabinets?include_retired=true')).json.count
  /** Waits until every heartbeat the good cabinet had acknowledged is stored, and counts them. */
  const heartbeatsStored = () =>
    eventually(async () => {
      const rows = await influxRows(
        arena.gw.db,
        `SELECT seq FROM heartbeat WHERE cabinet = '${arena.goodId}'`,
      )
      return rows.length === arena.acked.length ? rows.length : undefined
    })

  beforeAll(async () => {
    arena = await startArena('GOOD-HTTP-01')
    viewer = (await call('POST', '/api/v1/tokens', { name: 'v', role: 'viewer' })).json.token
    maintainer = (await call('POST', '/api/v1/tokens', { name: 'm', role: 'maintainer' })).json.token
    await arena.stillServing()
  })
  afterAll(async () => {
    try {
      await arena.verifyStored()
      const routes = arena.gw.gateway as unknown as { api: { printRoutes(o?: object): string } | null }
      record('attacks (HTTP)', 'routes under test', {}, [
        'no route passes user input into InfluxQL; ids are checked against the cabinet id pattern, ?district= filters the registry in memory, alert filters go to SQLite with bound parameters',
        `routes: ${(routes.api?.printRoutes({ commonPrefix: false }) ?? '').replace(/\s+/g, ' ').slice(0, 900)}`,
      ])
    } finally {
      await arena.stop()
      render()
    }
  })

  attack(a, SECTION, 'a request without a token', async () => {
    expect((await call('GET', '/api/v1/cabinets', undefined, null)).status).toBe(401)
  })
  attack(a, SECTION, 'a bad token', async () => {
    expect((await call('GET', '/api/v1/cabinets', undefined, 'not-a-token-at-all')).status).toBe(401)
  })
  attack(a, SECTION, 'a token in the wrong scheme (Basic)', async () => {
    const r = await fetch(`${arena.gw.httpUrl}/api/v1/cabinets`, {
      headers: { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    })
    expect(r.status).toBe(401)
  })
  attack(a, SECTION, 'a viewer acting as maintainer (acknowledging an alert)', async () => {
    expect((await call('POST', '/api/v1/alerts/al_abcd1234/ack', {}, viewer)).status).toBe(403)
  })
  attack(a, SECTION, 'a viewer acting as admin (registering a cabinet)', async () => {
    const before = await cabinetCount()
    expect((await call('POST', '/api/v1/cabinets', registrationFor('ROGUE-0001'), viewer)).status).toBe(403)
    expect(await cabinetCount()).toBe(before)
  })
  attack(a, SECTION, 'a maintainer minting an admin token', async () => {
    expect((await call('POST', '/api/v1/tokens', { name: 'x', role: 'admin' }, maintainer)).status).toBe(403)
  })
  attack(a, SECTION, 'a viewer reading the quarantine (raw payloads)', async () => {
    expect((await call('GET', '/api/v1/quarantine', undefined, viewer)).status).toBe(403)
  })
  attack(a, SECTION, 'a maintainer rotating a cabinet secret', async () => {
    expect(
      (await call('POST', `/api/v1/cabinets/${arena.goodId}/secret`, undefined, maintainer)).status,
    ).toBe(403)
  })
  attack(a, SECTION, 'an oversize body (1 MiB)', async () => {
    const big = { ...registrationFor('BIG-0001'), location_note: 'x'.repeat(1 << 20) }
    expect((await call('POST', '/api/v1/cabinets', big)).status).toBe(413)
  })
  attack(a, SECTION, 'a malformed JSON body', async () => {
    expect((await call('POST', '/api/v1/cabinets', '{"id":"BAD-', undefined)).status).toBe(400)
  })
  attack(a, SECTION, '`__proto__` in a registration body', async () => {
    const before = await cabinetCount()
    const body = `{"__proto__":{"role":"admin"},${JSON.stringify(registrationFor('PROTO-0001')).slice(1)}`
    const r = await call('POST', '/api/v1/cabinets', body)
    expect([201, 400]).toContain(r.status)
    if (r.status === 201) expect(await cabinetCount()).toBe(before + 1)
    expect(({} as Record<string, unknown>).role).toBeUndefined()
  })
  for (const id of [
    `x' OR '1'='1`,
    `GOOD-HTTP-01';DROP DATABASE "x"`,
    `a"; DROP MEASUREMENT heartbeat; --`,
  ]) {
    attack(a, SECTION, `InfluxQL injection through a cabinet id in the path: ${id}`, async () => {
      const stored = await heartbeatsStored()
      const r = await call('GET', `/api/v1/cabinets/${encodeURIComponent(id)}`, undefined, viewer)
      expect(r.status).toBe(400)
      expect(await heartbeatsStored()).toBe(stored)
    })
  }
  attack(a, SECTION, 'InfluxQL injection through a registration id', async () => {
    const before = await cabinetCount()
    const r = await call('POST', '/api/v1/cabinets', registrationFor(`X';DROP DATABASE "${arena.gw.db}";--`))
    expect(r.status).toBe(400)
    expect(await cabinetCount()).toBe(before)
  })
  for (const [param, value] of [
    ['district', `1001' OR '1'='1`],
    ['district', `1001";DROP DATABASE "aed`],
  ] as const) {
    attack(a, SECTION, `injection through ?${param}=${value} on the registry`, async () => {
      const stored = await heartbeatsStored()
      const r = await call('GET', `/api/v1/cabinets?${param}=${encodeURIComponent(value)}`, undefined, viewer)
      expect(r.status).toBe(200)
      expect(r.json.count).toBe(0)
      expect(await heartbeatsStored()).toBe(stored)
    })
  }
  attack(a, SECTION, 'injection through ?cabinet= on the alerts', async () => {
    const r = await call(
      'GET',
      `/api/v1/alerts?cabinet=${encodeURIComponent(`x' OR 1=1 --`)}`,
      undefined,
      viewer,
    )
    expect([200, 404]).toContain(r.status)
    if (r.status === 200) expect(r.json.count).toBe(0)
  })
  attack(a, SECTION, 'an unknown query parameter smuggled into the alerts list', async () => {
    expect(
      (
        await call(
          'GET',
          `/api/v1/alerts?q=${encodeURIComponent('SELECT * FROM heartbeat')}`,
          undefined,
          viewer,
        )
      ).status,
    ).toBe(400)
  })
})
