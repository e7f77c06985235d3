import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Simulator } from '../../firmware-sim/simulator.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { ADMIN_TOKEN, heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

function metric(text: string, name: string): number {
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').at(-1))
  return sum
}

describe('the chaos scenario', () => {
  let gw: TestGateway
  let sim: Simulator
  let chaosStart: number

  beforeAll(async () => {
    gw = await startTestGateway()
    sim = new Simulator({
      cabinets: 15,
      mqttUrl: gw.mqttUrl,
      apiUrl: gw.httpUrl,
      adminToken: ADMIN_TOKEN,
      seed: 11,
      scenario: 'chaos',
      intervalS: 0.5,
    })
    await sim.setup(0)
    chaosStart = Date.now()
    sim.startLive(6_000)
    // at least the 6 s the scenario plans its storms over, and until its misbehaving cabinets
    // got some junk through: on a busy machine their (re)connects take longer than planned
    await new Promise((r) => setTimeout(r, 6_000))
    await eventually(() => (sim.stats.chaos > 10 ? true : undefined), 30_000)
    // the storms' reconnects (1-5 s back-off) get time to deliver what was kept
    await sim.stop(8_000)
  })
  afterAll(async () => {
    await gw?.stop()
  })

  it('sent malformed payloads, duplicates and wrong credentials, and stormed reconnects', async () => {
    expect(sim.stats.chaos).toBeGreaterThan(10)
    const text = String((await gw.api('GET', '/metrics')).json)
    expect(metric(text, 'aedgw_quarantined_total')).toBeGreaterThan(0)
    expect(metric(text, 'aedgw_messages_duplicate_total')).toBeGreaterThan(0)
    expect(metric(text, 'aedgw_login_failures_total')).toBeGreaterThan(0)
    expect(sim.stats.connects).toBeGreaterThan(15)
  })

  it('leaves the gateway ready and serving the good cabinets', async () => {
    expect((await gw.api('GET', '/readyz')).status).toBe(200)
    const good = sim.cabinets.filter((_c, i) => i % 5 !== 4).map((c) => c.model.id)
    // every good cabinet stored, with heartbeats from before and after the storms
    await eventually(async () => {
      const r = await influxRows(gw.db, 'SELECT count(seq) AS n FROM heartbeat GROUP BY cabinet')
      const n = new Map(r.map((x) => [String(x.cabinet), Number(x.n)]))
      return good.every((id) => (n.get(id) ?? 0) >= 4) ? r : undefined
    })
    const late = await eventually(async () => {
      const r = await influxRows(
        gw.db,
        `SELECT count(seq) AS n FROM heartbeat WHERE time > ${(chaosStart + 4_500) * 1e6} GROUP BY cabinet`,
      )
      const ids = r.map((x) => String(x.cabinet)).filter((id) => good.includes(id))
      return ids.length >= good.length - 1 ? ids : undefined
    })
    expect(late.length).toBeGreaterThanOrEqual(good.length - 1)
    expect(sim.stats.errorsByKind().refused ?? 0).toBe(0)
  })

  it('still accepts a new, well-behaved cabinet', async () => {
    const secret = await gw.register('BKK-1001-9001')
    const client = await gw.connect('BKK-1001-9001', secret)
    await client.publishAsync(cabinetTopic('BKK-1001-9001', 'heartbeat'), heartbeat(1), { qos: 1 })
    await eventually(async () => {
      const r = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = 'BKK-1001-9001'`)
      return r.length === 1 ? r : undefined
    })
  })
})
