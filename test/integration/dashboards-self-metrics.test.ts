import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

describe('the gateway’s self-metrics, for the Gateway dashboard', () => {
  let gw: TestGateway

  beforeAll(async () => {
    gw = await startTestGateway({ self_metrics: { interval_s: 1 } })
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('reach InfluxDB through the outbox: counters, outbox depth, write latency and rejections by reason', async () => {
    const secret = await gw.register('BKK-1047-0007', { district_code: '1047' })
    const client = await gw.connect('BKK-1047-0007', secret)
    await client.publishAsync(cabinetTopic('BKK-1047-0007', 'heartbeat'), heartbeat(1), { qos: 1 })
    await client.publishAsync(cabinetTopic('BKK-1047-0007', 'heartbeat'), '{"not":"a heartbeat"}', { qos: 1 })
    const row = await eventually(async () => {
      const rows = await influxRows(
        gw.db,
        'SELECT * FROM "gateway" WHERE "received_total" >= 2 ORDER BY time DESC LIMIT 1',
      )
      const r = rows[0]
      return r && typeof r.influx_write_p99_ms === 'number' ? r : undefined
    })
    expect(row).toMatchObject({ received_total: 2, accepted_total: 1, rejected_total: 1, connected: 1 })
    expect(typeof row.instance).toBe('string')
    expect(row.outbox_depth).toBeGreaterThanOrEqual(0)
    expect(row.influx_write_p99_ms).toBeGreaterThan(0)
    const rejections = await eventually(async () => {
      const r = await influxRows(gw.db, `SELECT last("total") FROM "gateway_rejections" GROUP BY "reason"`)
      return r.length > 0 ? r : undefined
    })
    expect(rejections).toEqual([expect.objectContaining({ reason: 'invalid_payload', last: 1 })])
  })

  it('never lands in a cabinet’s series', async () => {
    const tags = await influxRows(gw.db, 'SHOW TAG VALUES FROM "heartbeat" WITH KEY = "cabinet"')
    expect(tags.map((t) => t.value)).toEqual(['BKK-1047-0007'])
  })
})
