import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BANGKOK_BOUNDS } from '../../firmware-sim/data.ts'
import { Simulator } from '../../firmware-sim/simulator.ts'
import { heartbeatSchema } from '../../gateway/protocol/index.ts'
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

const DAY = 86_400_000

describe('the simulator against a real gateway and InfluxDB', () => {
  let gw: TestGateway
  let sim: Simulator
  let backfillStart: number

  beforeAll(async () => {
    gw = await startTestGateway()
    sim = new Simulator({
      cabinets: 50,
      mqttUrl: gw.mqttUrl,
      apiUrl: gw.httpUrl,
      adminToken: ADMIN_TOKEN,
      seed: 5,
      scenario: 'default',
    })
    backfillStart = Date.now() - DAY
    await sim.setup(1)
  })
  afterAll(async () => {
    await sim?.stop(1_000)
    await gw?.stop()
  })

  it('registers and connects every cabinet', () => {
    expect(sim.connectedCount()).toBe(50)
  })

  it('backfills a day of history that lands with its past timestamps', async () => {
    const r = await sim.backfill(3600)
    expect(r.complete).toBe(true)
    expect(r.messages).toBeGreaterThanOrEqual(50 * 23)
    expect(sim.stats.acked).toBeGreaterThanOrEqual(r.messages)
    const counts = await eventually(async () => {
      const rows = await influxRows(gw.db, 'SELECT count(seq) AS n FROM heartbeat GROUP BY cabinet')
      const total = rows.reduce((s, x) => s + Number(x.n), 0)
      return rows.length === 50 && total >= r.messages - 50 * 3 ? rows : undefined
    })
    for (const row of counts) expect(Number(row.n)).toBeGreaterThanOrEqual(22)
    const [first] = await influxRows(gw.db, 'SELECT first(seq) FROM heartbeat')
    const [last] = await influxRows(gw.db, 'SELECT last(seq) FROM heartbeat')
    const oldest = await influxRows(gw.db, 'SELECT * FROM heartbeat ORDER BY time ASC LIMIT 1')
    expect(first && last).toBeTruthy()
    // the oldest point is from the start of the history (device clocks drift by seconds, not hours)
    expect(Number(oldest[0]!.time)).toBeLessThan(backfillStart + 2 * 3_600_000)
    expect(Number(oldest[0]!.time)).toBeGreaterThan(backfillStart - 60_000)
    expect(Number(oldest[0]!.received_ms) - Number(oldest[0]!.time)).toBeGreaterThan(DAY - 3 * 3_600_000)
    expect(oldest[0]!.clock_skew).toBe(false)
  })

  it('covers all 50 districts, every cabinet inside Bangkok', async () => {
    const districts = await influxRows(gw.db, 'SHOW TAG VALUES FROM heartbeat WITH KEY = district')
    expect(new Set(districts.map((d) => d.value)).size).toBe(50)
    const res = await gw.api('GET', '/api/v1/cabinets')
    expect(res.status).toBe(200)
    expect(res.json.count).toBe(50)
    for (const c of res.json.items as Array<{ lat: number; lon: number; name_th: string }>) {
      expect(c.lat).toBeGreaterThan(BANGKOK_BOUNDS.minLat)
      expect(c.lat).toBeLessThan(BANGKOK_BOUNDS.maxLat)
      expect(c.lon).toBeGreaterThan(BANGKOK_BOUNDS.minLon)
      expect(c.lon).toBeLessThan(BANGKOK_BOUNDS.maxLon)
      expect(c.name_th.length).toBeGreaterThan(0)
    }
  })

  it('goes on live where the history ended, with heartbeats the gateway takes as valid', async () => {
    const before = sim.stats.acked
    sim.startLive(null)
    for (const c of sim.cabinets.slice(0, 5)) c.model.setInterval(1)
    await eventually(() => (sim.stats.acked >= before + 10 ? true : undefined), 15_000)
    const live = await influxRows(gw.db, `SELECT * FROM heartbeat WHERE time > now() - 1m`)
    expect(live.length).toBeGreaterThan(0)
    const hb = sim.cabinets[0]!.lastHeartbeat!
    expect(heartbeatSchema.safeParse(JSON.parse(hb)).success).toBe(true)
    const rejected = await gw.api('GET', '/metrics')
    expect(String(rejected.json)).not.toMatch(/aedgw_quarantined_total(\{[^}]*\})? [1-9]/)
  })

  it('registers again idempotently: a second run connects with fresh secrets', async () => {
    const again = new Simulator({
      cabinets: 10,
      mqttUrl: gw.mqttUrl,
      apiUrl: gw.httpUrl,
      adminToken: ADMIN_TOKEN,
      seed: 5,
      scenario: 'default',
    })
    try {
      await again.setup(0)
      expect(again.connectedCount()).toBe(10)
      const list = await gw.api('GET', '/api/v1/cabinets')
      expect(list.json.count).toBe(50)
    } finally {
      await again.stop(0)
    }
  })
})
