import { createRequire } from 'node:module'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

const gjv = createRequire(import.meta.url)('geojson-validation') as {
  isFeatureCollection(o: unknown, trace: true): string[]
}

// Tuesday 10 March 2026, Bangkok time (UTC+7)
const bkk = (h: number, m = 0) => Date.UTC(2026, 2, 10, h - 7, m)
const OFFICE = 'BKK-1047-0101'
const PIER = 'BKK-1047-0102'
const RETIRED = 'BKK-1047-0103'
const FORBIDDEN_KEYS =
  /reason|battery|^door|_door|secret|cabinet|serial|seq|temp|self_test|pad|last_seen|received|since|_ms\b/i

function heartbeat(seq: number, ts: number): string {
  return JSON.stringify({
    ts: new Date(ts).toISOString(),
    seq,
    battery_pct: 87,
    pad_expiry: '2027-05-01',
    door: 'closed',
    aed_present: true,
    self_test: 'pass',
  })
}

/** Every key of every object in a JSON value. */
function keysOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) keysOf(x, out)
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k)
      keysOf(x, out)
    }
  return out
}

describe('health-map feed', () => {
  let gw: TestGateway
  // Bangkok noon, then 21:00: jumps set by the test, running on with real time between them so
  // the InfluxDB writer (which waits on the clock to batch) keeps writing
  let base = bkk(12, 7)
  let t0 = Date.now()
  const clock = () => base + (Date.now() - t0)
  const jump = (to: number) => {
    base = to
    t0 = Date.now()
  }
  const clients: MqttClient[] = []
  let seq = 0

  async function beat(): Promise<void> {
    for (const [i, c] of clients.entries()) {
      const id = i === 0 ? OFFICE : PIER
      await c.publishAsync(cabinetTopic(id, 'heartbeat'), heartbeat(++seq, clock()), { qos: 1 })
    }
  }
  const get = (headers: Record<string, string> = {}, query = '') =>
    fetch(`${gw.httpUrl}/feeds/healthmap.geojson${query}`, { headers })
  const feed = async () => (await (await get()).json()) as any
  const statusOf = async (name: string) =>
    (await feed()).features.find((f: any) => f.properties.name === name)?.properties

  beforeAll(async () => {
    // one-second snapshots: the test's clock runs in real time between its jumps
    gw = await startTestGateway(
      { feeds: { readiness_interval_ms: 100, healthmap: { snapshot_interval_ms: 1000 } } },
      clock,
    )
    const base = { district_code: '1047', lat: 13.6683, lon: 100.6044 }
    const office = await gw.register(OFFICE, {
      ...base,
      name: 'Bang Na District Office',
      name_th: 'สำนักงานเขตบางนา',
      opening_hours: 'Mo-Fr 08:00-17:00',
      indoor: true,
      access: 'yes',
      location_note: 'beside the main entrance',
    })
    const pier = await gw.register(PIER, { ...base, name: 'Bang Na Pier', opening_hours: '24/7', lat: 13.67 })
    await gw.register(RETIRED, { ...base, name: 'Old cabinet' })
    await gw.api('DELETE', `/api/v1/cabinets/${RETIRED}`)
    clients.push(await gw.connect(OFFICE, office), await gw.connect(PIER, pier))
    await beat()
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('is a valid RFC 7946 FeatureCollection of [lon, lat] points, one per registered cabinet', async () => {
    const res = await get()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/)
    const fc = (await res.json()) as any
    expect(gjv.isFeatureCollection(fc, true)).toEqual([])
    expect(fc.features).toHaveLength(2)
    const office = fc.features.find((f: any) => f.properties.name === 'Bang Na District Office')
    expect(office.geometry).toEqual({ type: 'Point', coordinates: [100.6044, 13.6683] })
    expect(office.properties).toMatchObject({
      name_th: 'สำนักงานเขตบางนา',
      district_code: '1047',
      district_name: 'Bang Na',
      district_name_th: 'บางนา',
      emergency: 'defibrillator',
      indoor: 'yes',
      access: 'yes',
      opening_hours: 'Mo-Fr 08:00-17:00',
      'defibrillator:location': 'beside the main entrance',
    })
    expect(office.properties.id).toBe(office.id)
  })

  it('shows a reporting cabinet available during its opening hours', async () => {
    const office = await eventually(async () => {
      const p = await statusOf('Bang Na District Office')
      return p?.status === 'available' ? p : undefined
    })
    expect(office).toMatchObject({ status: 'available', open_now: true })
  })

  it('carries no reason, battery, door state, secret, cabinet id or exact time anywhere', async () => {
    const text = await (await get()).text()
    const fc = JSON.parse(text)
    for (const k of keysOf(fc)) expect(k).not.toMatch(FORBIDDEN_KEYS)
    for (const id of [OFFICE, PIER, RETIRED]) expect(text).not.toContain(id)
    for (const f of fc.features) {
      const t = Date.parse(f.properties.status_updated)
      expect(t % (15 * 60_000)).toBe(0)
      expect(Object.keys(f.properties).sort()).toEqual(
        [
          'id',
          'name',
          'name_th',
          'address',
          'address_th',
          'district_code',
          'district_name',
          'district_name_th',
          'emergency',
          'indoor',
          'access',
          'opening_hours',
          'defibrillator:location',
          'status',
          'open_now',
          'status_updated',
        ].sort(),
      )
    }
    const csv = await (await get({}, '?format=csv')).text()
    for (const id of [OFFICE, PIER]) expect(csv).not.toContain(id)
  })

  it('turns an available cabinet unavailable at 21:00 when its door is closed for the night', async () => {
    jump(bkk(21, 3))
    await beat()
    const office = await eventually(async () => {
      const p = await statusOf('Bang Na District Office')
      return p?.open_now === false ? p : undefined
    })
    expect(office).toMatchObject({ status: 'unavailable', open_now: false })
    expect(office.status_updated).toBe(new Date(bkk(21, 0)).toISOString())
    expect(await statusOf('Bang Na Pier')).toMatchObject({ status: 'available', open_now: true })
  })

  it('answers 304 to a matching If-None-Match and sets Cache-Control', async () => {
    const first = await get()
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[^"]+"$/)
    expect(first.headers.get('cache-control')).toBe('public, max-age=60')
    // Last-Modified is a snapshot boundary, the same for every caller
    const modified = Date.parse(first.headers.get('last-modified')!)
    expect(modified % 1000).toBe(0)
    expect((await get({ 'if-modified-since': first.headers.get('last-modified')! })).status).toBe(304)
    const again = await get({ 'if-none-match': etag! })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect((await get({ 'if-none-match': '"stale"' })).status).toBe(200)
  })

  it('serves CSV on request, one row per cabinet with lat and lon', async () => {
    const res = await get({ accept: 'text/csv' })
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines[0]).toMatch(/^id,lat,lon,name,/)
    expect(lines).toHaveLength(3)
    expect(lines.some((l) => l.includes('Bang Na Pier') && l.includes(',13.67,100.6044,'))).toBe(true)
  })

  it('writes readiness changes to InfluxDB as the dashboards expect', async () => {
    const rows = await eventually(async () => {
      const r = await influxRows(gw.db, `SELECT * FROM readiness WHERE cabinet = '${PIER}'`)
      return r.some((x) => x.state === 'ready' || x.state === 'degraded') ? r : undefined
    })
    const last = rows.at(-1)!
    expect(last).toMatchObject({ cabinet: PIER, district: '1047', lat: 13.67, lon: 100.6044 })
    expect(last.readiness).toBe(last.state)
    expect(typeof last.reasons).toBe('string')
    expect(typeof last.reason_codes).toBe('string')
  })
})
