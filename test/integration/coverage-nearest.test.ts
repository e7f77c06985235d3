import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

// Bang Na: metres north of the district office as latitude (111,195 m per degree)
const LAT = 13.6683
const LON = 100.6044
const north = (m: number) => LAT + m / 111_195.08

describe('nearest AEDs and coverage over HTTP', () => {
  let gw: TestGateway
  let dispatcher: string
  let viewer: string
  const clients: MqttClient[] = []

  beforeAll(async () => {
    gw = await startTestGateway({
      coverage: { refresh_ms: 50, full_refresh_ms: 200, public_snapshot_ms: 0 },
    })
    const site = { district_code: '1047', lon: LON, opening_hours: '24/7' } as const
    const cabinets = [
      { id: 'BKK-1047-0201', name: 'Bang Na Office', lat: north(100), access: 'yes' as const },
      { id: 'BKK-1047-0202', name: 'Bang Na Market', lat: north(300), access: 'permissive' as const },
      { id: 'BKK-1047-0203', name: 'Staff Room', lat: north(20), access: 'private' as const },
    ]
    for (const c of cabinets) {
      const secret = await gw.register(c.id, {
        ...site,
        name: c.name,
        name_th: `ตู้ ${c.name}`,
        lat: c.lat,
        access: c.access,
        location_note: 'beside the main entrance',
      })
      const client = await gw.connect(c.id, secret)
      await client.publishAsync(cabinetTopic(c.id, 'heartbeat'), heartbeat(1), { qos: 1 })
      clients.push(client)
    }
    dispatcher = (await gw.api('POST', '/api/v1/tokens', { name: '1669 Bangkok', role: 'dispatcher' })).json
      .token
    viewer = (await gw.api('POST', '/api/v1/tokens', { name: 'city dashboard', role: 'viewer' })).json.token
  })
  afterAll(async () => {
    await gw?.stop()
  })

  const nearest = (token: string | null, query = `lat=${LAT}&lon=${LON}&max_m=1000`) =>
    gw.api('GET', `/api/v1/aeds/nearest?${query}`, undefined, token)

  it('answers a dispatcher with usable AEDs nearest first, live status and walking estimates', async () => {
    const r = await eventually(async () => {
      const r = await nearest(dispatcher)
      return r.json.count === 2 ? r : undefined
    })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ detour_factor: 1.4, walking_speed_mps: 1.3, max_m: 1000 })
    expect(
      r.json.aeds.map((a: any) => [a.cabinet_id, a.distance_m, a.walking_distance_m, a.walking_time_s]),
    ).toEqual([
      ['BKK-1047-0201', 100, 140, 108],
      ['BKK-1047-0202', 300, 420, 323],
    ])
    expect(r.json.aeds[0]).toMatchObject({
      name: 'Bang Na Office',
      name_th: 'ตู้ Bang Na Office',
      location_note: 'beside the main entrance',
      readiness: 'ready',
      open_now: true,
    })
  })

  it('documents the routes in OpenAPI with their query parameters', async () => {
    const doc = (await gw.api('GET', '/docs/json')).json
    for (const path of ['/api/v1/aeds/nearest', '/feeds/nearest']) {
      const params = doc.paths[path].get.parameters.map((p: any) => [p.name, p.in, p.required ?? false])
      expect(params).toEqual(
        expect.arrayContaining([
          ['lat', 'query', true],
          ['lon', 'query', true],
          ['limit', 'query', false],
          ['max_m', 'query', false],
        ]),
      )
    }
    expect(doc.paths['/api/v1/coverage'].get).toBeDefined()
  })

  it('refuses viewers and the public, and bad coordinates', async () => {
    expect((await nearest(viewer)).status).toBe(403)
    expect((await nearest(null)).status).toBe(401)
    const bad = await nearest(dispatcher, 'lat=91&lon=100.6')
    expect(bad.status).toBe(400)
    expect(bad.json.error).toBe('AEDGW_ERR_VALIDATION')
  })

  it('answers the public from the feed: no private AED, no cabinet id or readiness', async () => {
    const r = await gw.api('GET', `/feeds/nearest?lat=${LAT}&lon=${LON}&limit=5&max_m=1000`, undefined, null)
    expect(r.status).toBe(200)
    expect(r.json.aeds.map((a: any) => [a.name, a.walking_distance_m])).toEqual([
      ['Bang Na Office', 140],
      ['Bang Na Market', 420],
    ])
    expect(JSON.stringify(r.json)).not.toMatch(/BKK-1047|cabinet|readiness|Staff Room/)
  })

  it('drops an AED taken out of its cabinet from the dispatcher answer', async () => {
    const [office] = clients
    await office!.publishAsync(
      'aed/v1/BKK-1047-0201/heartbeat',
      heartbeat(2, { aed_present: false, door: 'open' }),
      { qos: 1 },
    )
    const r = await eventually(async () => {
      const r = await nearest(dispatcher)
      return r.json.count === 1 ? r : undefined
    })
    expect(r.json.aeds[0].cabinet_id).toBe('BKK-1047-0202')
  })

  it('shows district coverage now and writes its changes to InfluxDB', async () => {
    // Bang Na's one demand point is its subdistrict point (13.672, 100.616): nothing within 300 m
    const before = await gw.api('GET', '/api/v1/coverage', undefined, viewer)
    expect(before.status).toBe(200)
    expect(before.json.districts.find((d: any) => d.district_code === '1047')).toMatchObject({
      points: 1,
      covered: 0,
      share: 0,
      radius_m: 300,
    })
    const secret = await gw.register('BKK-1047-0204', {
      district_code: '1047',
      name: 'Bang Na Subdistrict Office',
      lat: 13.6725,
      lon: 100.616,
      access: 'yes',
      opening_hours: '24/7',
    })
    const office = await gw.connect('BKK-1047-0204', secret)
    await office.publishAsync('aed/v1/BKK-1047-0204/heartbeat', heartbeat(1), { qos: 1 })
    const rows = await eventually(async () => {
      const rows = await influxRows(gw.db, `SELECT * FROM "coverage" WHERE "district" = '1047'`)
      return rows.length > 0 ? rows : undefined
    })
    expect(rows).toMatchObject([
      { district: '1047', covered: 1, points: 1, share: 1, radius_m: 300, usable: 2 },
    ])
    const after = await gw.api('GET', '/api/v1/coverage', undefined, viewer)
    expect(after.json.districts.find((d: any) => d.district_code === '1047')).toMatchObject({
      covered: 1,
      share: 1,
    })
  })

  it('shows the coverage impact in the maintenance work list', async () => {
    const r = await gw.api('GET', '/api/v1/maintenance?within_days=3650', undefined, viewer)
    const items = r.json.districts.flatMap((d: any) => d.items)
    expect(items.length).toBeGreaterThan(0)
    for (const it of items) expect(it).toHaveProperty('coverage_impact_m')
    const csv = await gw.api('GET', '/api/v1/maintenance?within_days=3650&format=csv', undefined, viewer)
    expect(csv.json).toMatch(/^district_code,.*,detail,coverage_impact_m\r\n/)
  })
})
