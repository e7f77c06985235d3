import { connect, type Socket } from 'node:net'
import type { MqttClient } from 'mqtt'
import type { Packet } from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { connectCabinet, heartbeat } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import {
  connectPacket,
  openRaw,
  rawLogin,
  rawPublish,
  rawSubscribe,
  remainingLength,
} from '../helpers/raw-mqtt.ts'
import { type Arena, attack, metric, publishOutcome, startArena, subackCode } from './arena.ts'
import { render } from './report.ts'

const SECTION = 'attacks (MQTT)'
const EVIL = 'EVIL-0001'
const VICTIM = 'VICTIM-0001'
const BURST = 50

/** mqtt.js connect that must be refused: resolves with the CONNACK return code (or -1 if closed). */
async function refusedWith(url: string, id: string, secret: string, opts = {}): Promise<number> {
  try {
    const c = await connectCabinet(url, id, secret, opts)
    c.end(true)
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

describe('attacks over MQTT', () => {
  let arena: Arena
  let evilSecret: string
  let victimSecret: string
  let port: number
  const open: MqttClient[] = []
  const a = () => arena

  beforeAll(async () => {
    arena = await startArena('GOOD-0001', {
      mqtt: {
        connect_timeout_ms: 1000,
        rate: { per_second: 20, burst: BURST },
        // refusals of many cases below must not lock the test's own address out; the brute-force
        // case runs against a gateway with the defaults
        login_backoff: { max_failures: 1000, max_failures_per_address: 0 },
      },
    })
    evilSecret = await arena.gw.register(EVIL)
    victimSecret = await arena.gw.register(VICTIM)
    port = arena.gw.gateway.addresses().mqtt
  })
  afterAll(async () => {
    for (const c of open) c.end(true)
    try {
      const n = await arena.verifyStored()
      expect(n).toBe(arena.acked.length)
    } finally {
      await arena.stop()
      render()
    }
  })

  const evil = async (): Promise<MqttClient> => {
    const c = await connectCabinet(arena.gw.mqttUrl, EVIL, evilSecret)
    open.push(c)
    return c
  }

  // --- logins ---
  attack(a, SECTION, 'a wrong secret', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, EVIL, 'not-the-secret')).toBe(4)
  })
  attack(a, SECTION, 'an unknown cabinet id', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, 'NOBODY-9999', evilSecret)).toBe(4)
  })
  attack(a, SECTION, 'another cabinet’s secret', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, EVIL, victimSecret)).toBe(4)
  })
  attack(a, SECTION, 'a client id that is not the username', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, EVIL, evilSecret, { clientId: VICTIM })).toBe(5)
  })
  attack(a, SECTION, '`#` as client id and username', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, '#', evilSecret)).toBe(5)
  })
  attack(a, SECTION, '`+` as client id and username', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, '+', evilSecret)).toBe(5)
  })
  attack(a, SECTION, '`#` as username with a real client id', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, EVIL, evilSecret, { username: '#' })).toBe(5)
  })
  attack(a, SECTION, '`+` as username with a real client id', async () => {
    expect(await refusedWith(arena.gw.mqttUrl, EVIL, evilSecret, { username: '+' })).toBe(5)
  })
  attack(a, SECTION, 'an empty client id without credentials', async () => {
    const s = await openRaw(port)
    s.send(connectPacket(''))
    const code = await s.next('connack').then(
      (p) => (p as Extract<Packet, { cmd: 'connack' }>).returnCode,
      () => -1,
    )
    expect(code === -1 || (code as number) >= 2).toBe(true)
    await s.closed
  })
  attack(a, SECTION, 'a retired cabinet with its once-valid secret', async () => {
    const secret = await arena.gw.register('RETIRED-0001')
    expect((await arena.gw.api('DELETE', '/api/v1/cabinets/RETIRED-0001')).status).toBe(200)
    expect(await refusedWith(arena.gw.mqttUrl, 'RETIRED-0001', secret)).toBe(4)
  })
  attack(a, SECTION, 'a last will aimed at another cabinet', async () => {
    const will = {
      topic: `aed/v1/${VICTIM}/status`,
      payload: Buffer.from('offline'),
      qos: 1 as const,
      retain: true,
    }
    expect(await refusedWith(arena.gw.mqttUrl, EVIL, evilSecret, { will })).toBe(5)
  })
  attack(a, SECTION, 'an unsupported protocol level (3.1)', async () => {
    const s = await openRaw(port)
    s.send(connectPacket(EVIL, EVIL, evilSecret, { protocolId: 'MQIsdp', protocolVersion: 3 }))
    const ack = await s.next('connack').then(
      (p) => p as Extract<Packet, { cmd: 'connack' }>,
      () => null,
    )
    // either a refusal or an accepted 3.1 session confined by the same ACL; never a crash
    if (ack && ack.returnCode === 0) {
      s.send(rawPublish(Buffer.from(`aed/v1/${VICTIM}/heartbeat`), Buffer.from(heartbeat(1))))
      await s.closed
      expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
    } else {
      expect(ack === null || ack.returnCode !== 0).toBe(true)
    }
    s.destroy()
  })

  // --- publishing where it may not ---
  attack(a, SECTION, 'publishing to another cabinet’s heartbeat', async () => {
    const c = await evil()
    expect(await publishOutcome(c, `aed/v1/${VICTIM}/heartbeat`, heartbeat(77_001))).toBe('closed')
    await arena.stillServing() // the write path has flushed past the attempt by now
    const rows = await influxRows(arena.gw.db, 'SELECT seq FROM heartbeat WHERE seq = 77001')
    expect(rows).toEqual([])
  })
  attack(a, SECTION, 'publishing a command to another cabinet’s cmd', async () => {
    const victim = await connectCabinet(arena.gw.mqttUrl, VICTIM, victimSecret)
    open.push(victim)
    expect(await subackCode(victim, `aed/v1/${VICTIM}/cmd`)).toBe(1)
    const got: string[] = []
    victim.on('message', (t) => got.push(t))
    const c = await evil()
    expect(await publishOutcome(c, `aed/v1/${VICTIM}/cmd`, '{"id":"x","type":"unlock"}')).toBe('closed')
    await arena.stillServing()
    expect(got).toEqual([])
    victim.end(true)
  })
  attack(a, SECTION, 'publishing to $SYS', async () => {
    expect(await publishOutcome(await evil(), '$SYS/broker/clients/connected', '0')).toBe('closed')
  })
  for (const [name, topic] of [
    ['a `+` wildcard in a PUBLISH topic', `aed/v1/+/heartbeat`],
    ['a `#` wildcard in a PUBLISH topic', `aed/v1/${EVIL}/#`],
    ['an empty PUBLISH topic', ''],
    ['a NUL after a valid topic', `aed/v1/${EVIL}/heartbeat\u0000`],
    ['too many topic levels', `aed/v1/${EVIL}/heartbeat${'/x'.repeat(300)}`],
  ] as const) {
    attack(a, SECTION, name, async () => {
      const s = await rawLogin(port, EVIL, evilSecret)
      s.send(rawPublish(Buffer.from(topic, 'utf8'), Buffer.from(heartbeat(1))))
      await s.closed
      expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
    })
  }
  attack(a, SECTION, 'invalid UTF-8 in a PUBLISH topic', async () => {
    const s = await rawLogin(port, EVIL, evilSecret)
    const topic = Buffer.concat([Buffer.from(`aed/v1/${EVIL}/heartbeat`), Buffer.from([0xc3, 0x28])])
    s.send(rawPublish(topic, Buffer.from(heartbeat(1))))
    await s.closed
    expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
  })
  attack(a, SECTION, 'a PUBLISH with the reserved QoS 3', async () => {
    const s = await rawLogin(port, EVIL, evilSecret)
    const good = rawPublish(Buffer.from(`aed/v1/${EVIL}/heartbeat`), Buffer.from(heartbeat(1)))
    good[0] = 0x36 // QoS bits 11 [MQTT-3.3.1-4]
    s.send(good)
    await s.closed
    expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
  })

  // --- subscribing where it may not ---
  for (const filter of ['#', '+/#', '$SYS/#', `aed/v1/${VICTIM}/cmd`, 'aed/v1/+/heartbeat']) {
    attack(a, SECTION, `a subscription to ${filter}`, async () => {
      const c = await evil()
      expect(await subackCode(c, filter)).toBe(128)
    })
  }
  attack(a, SECTION, 'a subscription filter with NUL and invalid UTF-8', async () => {
    const s = await rawLogin(port, EVIL, evilSecret)
    s.send(rawSubscribe(Buffer.concat([Buffer.from(`aed/v1/${EVIL}/cmd`), Buffer.from([0x00, 0xc3, 0x28])])))
    const suback = await s.next('suback').then(
      (p) => p as Extract<Packet, { cmd: 'suback' }>,
      () => null,
    )
    expect(suback === null || suback.granted[0] === 128).toBe(true)
    s.destroy()
  })

  // --- protocol abuse ---
  attack(a, SECTION, 'a first packet that is not CONNECT', async () => {
    const s = await openRaw(port)
    s.send(rawPublish(Buffer.from(`aed/v1/${EVIL}/heartbeat`), Buffer.from(heartbeat(1))))
    await s.closed
    expect(s.received).toEqual([])
  })
  attack(a, SECTION, 'a second CONNECT on one connection', async () => {
    const s = await rawLogin(port, EVIL, evilSecret)
    s.send(connectPacket(VICTIM, VICTIM, victimSecret))
    await s.closed
    expect(s.received.filter((p) => p.cmd === 'connack')).toHaveLength(1)
  })
  attack(a, SECTION, 'a packet declaring 256 MB', async () => {
    const before = await metric(arena.gw, 'aedgw_messages_rejected_total', '{reason="packet_too_large"}')
    const s = await rawLogin(port, EVIL, evilSecret)
    // the largest Remaining Length MQTT can express, then only the first bytes of the body
    s.send(Buffer.concat([Buffer.from([0x32]), remainingLength(268_435_455), Buffer.alloc(1024, 0x41)]))
    await s.closed
    expect(await metric(arena.gw, 'aedgw_messages_rejected_total', '{reason="packet_too_large"}')).toBe(
      before + 1,
    )
  })
  attack(a, SECTION, 'half a CONNECT, then silence (slow loris)', async () => {
    const s = await openRaw(port)
    // CONNECT fixed header declaring 64 bytes, then only the protocol name's length
    s.send(Buffer.from([0x10, 0x40, 0x00, 0x04]))
    await s.closed
    expect(s.received).toEqual([])
  })
  attack(
    a,
    SECTION,
    'a thousand sockets that never send CONNECT',
    async () => {
      const sockets: Socket[] = []
      let closed = 0
      await Promise.all(
        Array.from(
          { length: 1000 },
          () =>
            new Promise<void>((resolve) => {
              const s = connect(port, '127.0.0.1', () => resolve())
              s.on('error', () => resolve())
              s.on('close', () => closed++)
              sockets.push(s)
            }),
        ),
      )
      // meanwhile the good cabinet is served, and a new one can still log in
      await arena.stillServing()
      const fresh = await connectCabinet(arena.gw.mqttUrl, EVIL, evilSecret)
      fresh.end(true)
      await eventually(() => (closed === 1000 ? true : undefined), 30_000)
      expect(arena.gw.gateway.broker.connectedCount()).toBeLessThanOrEqual(2)
    },
    60_000,
  )
  attack(a, SECTION, 'a keepalive above the limit', async () => {
    const s = await openRaw(port)
    s.send(connectPacket(EVIL, EVIL, evilSecret, { keepalive: 65_535 }))
    const ack = await s.next('connack').then(
      (p) => p as Extract<Packet, { cmd: 'connack' }>,
      () => null,
    )
    expect(ack === null || ack.returnCode !== 0).toBe(true)
    s.destroy()
  })

  // --- floods ---
  attack(a, SECTION, 'a QoS 1 flood past the rate limit', async () => {
    const c = await evil()
    let acks = 0
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    for (let seq = 0; seq < 1000; seq++)
      c.publish(`aed/v1/${EVIL}/heartbeat`, heartbeat(seq), { qos: 1 }, (err) => {
        if (!err) acks++
      })
    await arena.stillServing()
    await closed
    // the refusal closes the connection at once, so even the burst's PUBACKs may never leave
    // (those messages were committed: the cabinet resends and dedup drops the copies)
    expect(acks).toBeLessThanOrEqual(BURST)
    expect(
      await metric(arena.gw, 'aedgw_messages_rejected_total', '{reason="rate_limited"}'),
    ).toBeGreaterThan(0)
  })

  // --- hostile payloads (acknowledged and quarantined: the contract) ---
  const quarantined = async (payload: string | Buffer, reason: RegExp) => {
    const c = await evil()
    expect(await publishOutcome(c, `aed/v1/${EVIL}/heartbeat`, payload)).toBe('acked')
    const q = await arena.gw.api('GET', '/api/v1/quarantine?limit=1')
    expect(q.json.items[0].cabinet).toBe(EVIL)
    expect(q.json.items[0].reason).toMatch(reason)
  }
  attack(a, SECTION, 'a JSON bomb: deep nesting', async () => {
    await quarantined(`{"ts":1,"seq":1,"x":${'['.repeat(1900)}${']'.repeat(1900)}}`, /^invalid_payload/)
  })
  attack(a, SECTION, 'a JSON bomb: deep object nesting in a required field', async () => {
    await quarantined(
      heartbeat(1).replace('"battery_pct":87', `"battery_pct":${'{"a":'.repeat(600)}1${'}'.repeat(600)}`),
      /^invalid_payload/,
    )
  })
  attack(a, SECTION, 'a JSON bomb: a huge string', async () => {
    await quarantined(heartbeat(1, { fw: 'x'.repeat(7000) }), /^payload_too_large/)
  })
  attack(a, SECTION, 'a JSON bomb: a huge string far past the packet limit', async () => {
    const c = await evil()
    expect(
      await publishOutcome(c, `aed/v1/${EVIL}/heartbeat`, heartbeat(1, { fw: 'x'.repeat(2_000_000) })),
    ).toBe('closed')
  })
  attack(a, SECTION, '`__proto__` and `constructor` keys', async () => {
    const c = await evil()
    const payload = heartbeat(88_001).replace(
      '{',
      '{"__proto__":{"polluted":true,"battery_pct":1},"constructor":{"prototype":{"polluted":true}},',
    )
    expect(await publishOutcome(c, `aed/v1/${EVIL}/heartbeat`, payload)).toBe('acked')
    const rows = await eventually(async () => {
      const r = await influxRows(arena.gw.db, `SELECT battery_pct FROM heartbeat WHERE seq = 88001`)
      return r.length === 1 ? r : undefined
    })
    expect(rows[0]?.battery_pct).toBe(87)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('a brute-force login loop', () => {
  let arena: Arena
  const a = () => arena

  // the defaults: back-off per cabinet id after 5 failures, per address after 50
  beforeAll(async () => {
    arena = await startArena('GOOD-0002')
  })
  afterAll(async () => {
    try {
      await arena.verifyStored()
    } finally {
      await arena.stop()
      render()
    }
  })

  attack(
    a,
    SECTION,
    'a brute-force login loop (120 guesses from one address)',
    async () => {
      const target = 'TARGET-0001'
      const secret = await arena.gw.register(target)
      const port = arena.gw.gateway.addresses().mqtt
      // from 127.0.0.2: the attacker's own address, not the good cabinets'
      const guess = async (password: string): Promise<number> => {
        const s = await openRaw(port, { localAddress: '127.0.0.2' })
        s.send(connectPacket(target, target, password))
        const code = await s.next('connack', 30_000).then(
          (p) => (p as Extract<Packet, { cmd: 'connack' }>).returnCode as number,
          () => -1,
        )
        s.destroy()
        return code
      }
      const codes: number[] = []
      // past the thresholds each wrong guess is held (tarpit) before its refusal: guess in parallel
      for (let i = 0; i < 10; i++) codes.push(await guess(`guess-${i}`))
      for (let batch = 0; batch < 2; batch++) {
        codes.push(...(await Promise.all(Array.from({ length: 55 }, (_, i) => guess(`guess-${batch}-${i}`)))))
        await arena.stillServing()
      }
      expect(codes).toHaveLength(120)
      expect(codes.every((c) => c !== 0)).toBe(true)
      expect(await metric(arena.gw, 'aedgw_login_failures_total', '{reason="back-off"}')).toBeGreaterThan(0)
      // the back-off never locks out the cabinet that knows its secret (gateway design)
      const owner = await connectCabinet(arena.gw.mqttUrl, target, secret)
      owner.end(true)
      // and a good cabinet from another address can still log in and publish
      const otherSecret = await arena.gw.register('GOOD-0003')
      const fresh = await connectCabinet(arena.gw.mqttUrl, 'GOOD-0003', otherSecret)
      await fresh.publishAsync('aed/v1/GOOD-0003/heartbeat', heartbeat(1), { qos: 1 })
      fresh.end(true)
    },
    120_000,
  )
})
