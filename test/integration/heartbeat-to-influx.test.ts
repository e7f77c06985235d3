import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

describe('a registered cabinet’s heartbeat', () => {
  let gw: TestGateway

  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('arrives in InfluxDB with the right tags, fields and timestamp', async () => {
    const secret = await gw.register('BKK-1047-0007', { district_code: '1047' })
    const client = await gw.connect('BKK-1047-0007', secret)
    const payload = {
      ts: '2026-11-26T04:00:00.000Z',
      seq: 1042,
      battery_pct: 87,
      battery_expiry: '2028-03-01',
      pad_expiry: '2027-05-01',
      pad_type: 'adult',
      door: 'closed',
      aed_present: true,
      temp_c: 31.5,
      self_test: 'pass',
      power: 'mains',
      rssi_dbm: -71,
      fw: '1.4.2',
    }
    await client.publishAsync(cabinetTopic('BKK-1047-0007', 'heartbeat'), JSON.stringify(payload), { qos: 1 })
    const rows = await eventually(async () => {
      const r = await influxRows(gw.db, 'SELECT * FROM heartbeat')
      return r.length > 0 ? r : undefined
    })
    expect(rows).toHaveLength(1)
    const row = rows[0] as Record<string, unknown>
    expect(row.time).toBe(Date.parse('2026-11-26T04:00:00.000Z'))
    expect(row.cabinet).toBe('BKK-1047-0007')
    expect(row.district).toBe('1047')
    expect(row).toMatchObject({
      seq: 1042,
      battery_pct: 87,
      battery_expiry: '2028-03-01',
      pad_expiry: '2027-05-01',
      pad_type: 'adult',
      door_open: false,
      aed_present: true,
      temp_c: 31.5,
      self_test: 'pass',
      power: 'mains',
      rssi_dbm: -71,
      fw: '1.4.2',
      clock_skew: false,
    })
    expect(row.pad_days_left).toBe(156)
    expect(typeof row.received_ms).toBe('number')
    const tagKeys = await influxRows(gw.db, 'SHOW TAG KEYS FROM heartbeat')
    expect(tagKeys.map((t) => t.tagKey).sort()).toEqual(['cabinet', 'district'])
  })

  it('accepts epoch-millisecond timestamps and stores events with their type tag', async () => {
    const secret = await gw.register('BKK-1001-0001')
    const client = await gw.connect('BKK-1001-0001', secret)
    const ts = Date.UTC(2026, 10, 26, 5, 0, 0)
    await client.publishAsync(cabinetTopic('BKK-1001-0001', 'heartbeat'), heartbeat(1, { ts }), { qos: 1 })
    await client.publishAsync(
      cabinetTopic('BKK-1001-0001', 'event'),
      JSON.stringify({ ts, seq: 2, type: 'door_open' }),
      { qos: 1 },
    )
    const ev = await eventually(async () => {
      const r = await influxRows(gw.db, `SELECT * FROM event WHERE cabinet = 'BKK-1001-0001'`)
      return r.length > 0 ? r : undefined
    })
    expect(ev[0]).toMatchObject({ time: ts, type: 'door_open', seq: 2, district: '1001' })
    const hb = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = 'BKK-1001-0001'`)
    expect(hb).toEqual([{ time: ts, seq: 1 }])
  })
})
