import type { Packet } from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayGraph } from '../../gateway/app.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { connectCabinet, heartbeat, startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { connectPacket, openRaw, rawLogin, rawPublish } from '../helpers/raw-mqtt.ts'
import { type Arena, attack, metric, publishOutcome, startArena } from './arena.ts'
import { record, render } from './report.ts'

const SECTION = 'attacks, round two (MQTT)'
const EVIL = 'EVIL-R2-01'
const MAX_DENIED = 50
const DAY_MS = 86_400_000

describe('attacks over MQTT, round two', () => {
  let arena: Arena
  let evilSecret = ''
  let seq = 1000
  const a = () => arena
  const port = () => arena.gw.gateway.addresses().mqtt
  const evil = () => connectCabinet(arena.gw.mqttUrl, EVIL, evilSecret)
  const graph = () => (arena.gw.gateway as unknown as { graph: GatewayGraph }).graph
  /** Publishes as the attacker: must be acknowledged, then found in the quarantine with `reason`. */
  const quarantined = async (payload: string, reason: RegExp) => {
    const c = await evil()
    try {
      expect(await publishOutcome(c, cabinetTopic(EVIL, 'heartbeat'), payload)).toBe('acked')
    } finally {
      c.end(true)
    }
    const q = await arena.gw.api('GET', '/api/v1/quarantine?limit=1')
    expect(q.json.items[0]).toMatchObject({ cabinet: EVIL, reason: expect.stringMatching(reason) })
  }

  beforeAll(async () => {
    arena = await startArena('GOOD-R2M-01', {
      mqtt: {
        max_denied_subscriptions: MAX_DENIED,
        login_backoff: { max_failures: 1000, max_failures_per_address: 0 },
        connect_rate: { per_minute: 60_000, burst: 10_000, per_address_burst: 100_000 },
      },
    })
    evilSecret = await arena.gw.register(EVIL)
    await arena.stillServing()
  })
  afterAll(async () => {
    try {
      await arena.verifyStored()
    } finally {
      await arena.stop()
      render()
    }
  })

  // 6. subscribe floods
  attack(a, SECTION, `a client asking for more than ${MAX_DENIED} filters it may not have`, async () => {
    const deniedBefore = await metric(arena.gw, 'aedgw_acl_denied_total', '{action="subscribe"}')
    const s = await rawLogin(port(), EVIL, evilSecret)
    s.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: Array.from({ length: 200 }, (_, i) => ({ topic: `aed/v1/OTHER-${i}/cmd`, qos: 0 })),
    } as Packet)
    await s.closed
    const denied = await metric(arena.gw, 'aedgw_acl_denied_total', '{action="subscribe"}')
    expect(denied - deniedBefore).toBeGreaterThan(MAX_DENIED)
    expect(
      await metric(arena.gw, 'aedgw_messages_rejected_total', '{reason="subscribe_denied_repeatedly"}'),
    ).toBe(1)
  })

  // 7. ill-formed Unicode
  attack(a, SECTION, 'a heartbeat with a lone surrogate in a string', async () => {
    const before = graph().outbox.snapshot().bytes
    await quarantined(heartbeat(++seq, { fw: '\ud800' }), /^ill_formed_unicode/)
    expect(graph().outbox.snapshot().bytes).toBeGreaterThanOrEqual(0)
    expect(graph().outbox.snapshot().bytes).toBeLessThanOrEqual(Math.max(before, 0) + 1000)
  })
  attack(a, SECTION, 'a lone surrogate in a key', async () => {
    await quarantined(heartbeat(++seq).replace('{', '{"\\udc00":1,'), /^ill_formed_unicode/)
  })

  // 8. timestamps the store would refuse
  attack(a, SECTION, 'a heartbeat dated 2001 (older than the raw retention)', async () => {
    await quarantined(
      JSON.stringify({ ...JSON.parse(heartbeat(++seq)), ts: '2001-01-01T00:00:00Z' }),
      /^timestamp_out_of_range/,
    )
  })
  attack(a, SECTION, 'a heartbeat dated two days ahead', async () => {
    const ts = new Date(Date.now() + 2 * DAY_MS).toISOString()
    await quarantined(JSON.stringify({ ...JSON.parse(heartbeat(++seq)), ts }), /^timestamp_out_of_range/)
  })
  it('writes a batch holding lines beyond the retention policy without bisecting it', async () => {
    const failuresBefore = await metric(arena.gw, 'aedgw_influx_write_failures_total')
    const now = Date.now()
    const appends: Promise<void>[] = []
    for (let i = 0; i < 200; i++) {
      const old = i % 10 === 0
      const t = old ? Date.UTC(2001, 0, 1) + i : now - 60_000 + i
      appends.push(
        graph().outbox.append('RETENTION-R2', `r2_retention,cabinet=RETENTION-R2 i=${i}i ${t}`, now),
      )
    }
    await Promise.all(appends)
    const rows = await eventually(async () => {
      const r = await influxRows(arena.gw.db, 'SELECT i FROM r2_retention')
      return r.length >= 180 && graph().outbox.snapshot().depth === 0 ? r : undefined
    }, 30_000)
    expect(rows).toHaveLength(180)
    const failures = (await metric(arena.gw, 'aedgw_influx_write_failures_total')) - failuresBefore
    // one refused write per batch that held old lines, not one per halving
    expect(failures).toBeLessThanOrEqual(5)
    const q = await arena.gw.api('GET', '/api/v1/quarantine?limit=30')
    const old = q.json.items.filter((e: { reason: string }) => /beyond retention/.test(e.reason))
    expect(old).toHaveLength(20)
    expect(graph().outbox.snapshot().bytes).toBe(0)
    record(SECTION, 'lines beyond the retention policy in a batch', {
      attacks_tried: 1,
      attacks_denied: 1,
    })
  }, 40_000)

  // 9. protocol edges
  attack(a, SECTION, 'a QoS 2 PUBLISH', async () => {
    const s = await rawLogin(port(), EVIL, evilSecret)
    s.send({
      cmd: 'publish',
      topic: cabinetTopic(EVIL, 'heartbeat'),
      payload: Buffer.from(heartbeat(++seq)),
      qos: 2,
      messageId: 7,
      retain: false,
      dup: false,
    } as Packet)
    await s.closed
    expect(s.received.some((p) => p.cmd === 'pubrec')).toBe(false)
  })
  attack(a, SECTION, 'a QoS 1 PUBLISH with packet id 0 [MQTT-2.3.1-1]', async () => {
    const s = await rawLogin(port(), EVIL, evilSecret)
    s.send(rawPublish(Buffer.from(cabinetTopic(EVIL, 'heartbeat')), Buffer.from(heartbeat(++seq)), 1, 0))
    await s.closed
    expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
  })
  attack(a, SECTION, 'a CONNECT with keepalive 0 (answered with a code MQTT 3.1.1 defines)', async () => {
    const s = await openRaw(port())
    s.send(connectPacket(EVIL, EVIL, evilSecret, { keepalive: 0 }))
    const ack = (await s.next('connack')) as Extract<Packet, { cmd: 'connack' }>
    expect(ack.returnCode).toBe(5)
    s.destroy()
  })
  attack(a, SECTION, 'a keepalive over the limit (answered with a code MQTT 3.1.1 defines)', async () => {
    const s = await openRaw(port())
    s.send(connectPacket(EVIL, EVIL, evilSecret, { keepalive: 65_535 }))
    const ack = (await s.next('connack')) as Extract<Packet, { cmd: 'connack' }>
    expect(ack.returnCode).toBe(5)
    s.destroy()
  })
  attack(a, SECTION, 'a retired cabinet’s open session', async () => {
    const id = 'RETIRE-R2-01'
    const c = await connectCabinet(arena.gw.mqttUrl, id, await arena.gw.register(id))
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    expect((await arena.gw.api('DELETE', `/api/v1/cabinets/${id}`)).status).toBe(200)
    await closed
    c.end(true)
  })
})

describe('rate limits across reconnects, round two', () => {
  const ID = 'BURSTY-R2-01'
  let now = Date.now()
  const clock = () => now

  it('keeps a cabinet’s rate bucket across reconnects and rate-limits the reconnects', async () => {
    const gw = await startTestGateway(
      {
        mqtt: {
          rate: { per_second: 1, burst: 5 },
          connect_rate: { per_minute: 6, burst: 4, per_address_burst: 1000 },
          login_backoff: { max_failures: 1000, max_failures_per_address: 0 },
        },
      },
      clock,
    )
    let denied = 0
    try {
      const secret = await gw.register(ID)
      let hb = 0
      // a stranger who knows only the id cannot use up the cabinet's connects
      for (let i = 0; i < 8; i++) {
        await expect(connectCabinet(gw.mqttUrl, ID, `wrong-${i}`)).rejects.toMatchObject({ code: 4 })
      }
      // connect 1: the whole burst
      let c = await connectCabinet(gw.mqttUrl, ID, secret)
      for (let i = 0; i < 5; i++)
        expect(await publishOutcome(c, cabinetTopic(ID, 'heartbeat'), heartbeat(++hb))).toBe('acked')
      await c.endAsync()
      // connect 2: a reconnect does not refill the bucket
      c = await connectCabinet(gw.mqttUrl, ID, secret)
      expect(await publishOutcome(c, cabinetTopic(ID, 'heartbeat'), heartbeat(++hb))).toBe('closed')
      c.end(true)
      denied++
      // connects 3 and 4 use up the connect burst; the fifth is refused (3: server unavailable)
      for (let i = 0; i < 2; i++) (await connectCabinet(gw.mqttUrl, ID, secret)).end(true)
      const refused = await connectCabinet(gw.mqttUrl, ID, secret).then(
        (x) => {
          x.end(true)
          return 0
        },
        (err: { code?: number }) => err.code ?? -1,
      )
      expect(refused).toBe(3)
      denied++
      // time heals both: a minute later the cabinet connects and publishes again
      now += 60_000
      c = await connectCabinet(gw.mqttUrl, ID, secret)
      expect(await publishOutcome(c, cabinetTopic(ID, 'heartbeat'), heartbeat(++hb))).toBe('acked')
      c.end(true)
    } finally {
      record(SECTION, 'connect, burst, disconnect in a loop', { attacks_tried: 2, attacks_denied: denied })
      await gw.stop()
    }
  })
})
