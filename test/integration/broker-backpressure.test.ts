import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

const CABINETS = 6
const EACH = 300

describe('back-pressure past mqtt.max_in_flight', () => {
  let gw: TestGateway
  const clients: MqttClient[] = []
  const ids = Array.from({ length: CABINETS }, (_, i) => `BKK-1001-${String(900 + i)}`)

  beforeAll(async () => {
    gw = await startTestGateway({ mqtt: { max_in_flight: 40 } })
    for (const id of ids) clients.push(await gw.connect(id, await gw.register(id)))
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('holds busy cabinets back and still acknowledges and stores every message, once', async () => {
    let heldSeen = 0
    const watch = setInterval(() => {
      heldSeen = Math.max(heldSeen, gw.gateway.broker.backpressure().held_connections)
    }, 1)
    try {
      // every cabinet sends its whole backlog without waiting for a PUBACK: far more than 40 in
      // flight. In bursts of 10 a turn apart, so that no cabinet's backlog lands in the one read a
      // connection with nothing in flight is always let through with.
      await Promise.all(
        clients.map(async (c, k) => {
          const acks: Array<Promise<unknown>> = []
          for (let seq = 0; seq < EACH; seq++) {
            acks.push(c.publishAsync(cabinetTopic(ids[k] as string, 'heartbeat'), heartbeat(seq), { qos: 1 }))
            if (seq % 10 === 9) await new Promise((r) => setImmediate(r))
          }
          await Promise.all(acks)
        }),
      )
    } finally {
      clearInterval(watch)
    }
    const gate = gw.gateway.broker.backpressure()
    expect(gate.closings).toBeGreaterThan(0)
    expect(heldSeen).toBeGreaterThan(0)
    expect(gate).toMatchObject({ unsettled: 0, held_connections: 0 })
    const rows = await eventually(async () => {
      const r = await influxRows(gw.db, 'SELECT count(seq) FROM heartbeat GROUP BY cabinet')
      const total = r.reduce((n, row) => n + Number((row as { count: number }).count), 0)
      return total >= CABINETS * EACH ? r : undefined
    }, 60_000)
    expect(rows).toHaveLength(CABINETS)
    for (const row of rows) expect((row as { count: number }).count).toBe(EACH)
  })
})
