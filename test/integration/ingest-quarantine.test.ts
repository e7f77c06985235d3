import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

describe('bad payloads', () => {
  let gw: TestGateway
  let client: MqttClient
  const topic = cabinetTopic('BAD-0001', 'heartbeat')

  beforeAll(async () => {
    gw = await startTestGateway()
    client = await gw.connect('BAD-0001', await gw.register('BAD-0001'))
  })
  afterAll(async () => {
    await gw.stop()
  })

  const cases: Array<[string, string, string]> = [
    ['malformed JSON', '{"ts": 1, "seq":', 'invalid_json'],
    ['a JSON array', '[1,2,3]', 'invalid_payload'],
    ['wrong types', heartbeat(1, { battery_pct: 'full', door: 'ajar' }), 'invalid_payload'],
    ['missing required fields', JSON.stringify({ ts: '2026-11-26T04:00:00Z', seq: 1 }), 'invalid_payload'],
    ['a timestamp in seconds instead of ms', heartbeat(1, { ts: 1_795_000_000 }), 'invalid_payload'],
    ['an oversize payload', heartbeat(1, { fw: 'x'.repeat(5000) }), 'payload_too_large'],
    ['deep nesting', `${'['.repeat(1500)}${']'.repeat(1500)}`, 'invalid_payload'],
  ]

  for (const [name, payload, reason] of cases) {
    it(`acknowledges, quarantines and counts ${name}, then stores the next good heartbeat`, async () => {
      const before = await gw.api('GET', '/api/v1/quarantine?limit=1')
      const lastId = before.json.items[0]?.id ?? 0
      await client.publishAsync(topic, payload, { qos: 1 }) // resolves on PUBACK
      const q = await gw.api('GET', '/api/v1/quarantine?limit=1')
      const item = q.json.items[0]
      expect(item.id).toBeGreaterThan(lastId)
      expect(item.cabinet).toBe('BAD-0001')
      expect(item.reason.startsWith(reason)).toBe(true)
      expect(Buffer.from(item.raw_base64, 'base64').toString()).toBe(payload)
      const metrics = (await gw.api('GET', '/metrics')).json as string
      expect(metrics).toMatch(new RegExp(`aedgw_messages_rejected_total\\{reason="${reason}"\\} [1-9]`))

      const seq = 100 + cases.findIndex((c) => c[0] === name)
      await client.publishAsync(topic, heartbeat(seq), { qos: 1 })
      await eventually(async () => {
        const r = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE seq = ${seq}`)
        return r.length === 1 ? r : undefined
      })
    })
  }

  it('names the bad fields in the quarantine reason', async () => {
    await client.publishAsync(topic, heartbeat(1, { battery_pct: 140, door: 'ajar' }), { qos: 1 })
    const q = await gw.api('GET', '/api/v1/quarantine?limit=1')
    expect(q.json.items[0].reason).toMatch(/battery_pct: .*; door: /)
  })

  it('keeps __proto__ keys inert', async () => {
    await client.publishAsync(topic, heartbeat(200).replace('{', '{"__proto__":{"polluted":true},'), {
      qos: 1,
    })
    await eventually(async () => {
      const r = await influxRows(gw.db, 'SELECT seq FROM heartbeat WHERE seq = 200')
      return r.length === 1 ? r : undefined
    })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('closes a connection whose packet declares more than max_packet_bytes, before reading it', async () => {
    const other = await gw.connect('BAD-0002', await gw.register('BAD-0002'))
    const closed = new Promise<void>((resolve) => other.once('close', () => resolve()))
    other.publish(cabinetTopic('BAD-0002', 'heartbeat'), Buffer.alloc(20_000, 0x20), { qos: 1 })
    await closed
    const metrics = (await gw.api('GET', '/metrics')).json as string
    expect(metrics).toMatch(/aedgw_messages_rejected_total\{reason="packet_too_large"\} [1-9]/)
    // the broker keeps serving the others
    await client.publishAsync(topic, heartbeat(300), { qos: 1 })
  })
})
