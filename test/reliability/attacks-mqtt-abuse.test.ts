import { connect, type Socket } from 'node:net'
import type { Packet } from 'mqtt-packet'
import { describe, expect } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { connectCabinet, heartbeat } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { connectPacket, openRaw, rawLogin, rawPublish, remainingLength } from '../helpers/raw-mqtt.ts'
import { attack, metric, publishOutcome } from './arena.ts'
import { BURST, EVIL, mqttAttackArena, SECTION, VICTIM } from './mqtt-attack-arena.ts'

/** Broken protocol, floods and hostile payloads from a cabinet that did log in (or never does). */
describe('protocol and payload attacks over MQTT', () => {
  const t = mqttAttackArena('GOOD-0005')

  // --- protocol abuse ---
  attack(t.a, SECTION, 'a first packet that is not CONNECT', async () => {
    const s = await openRaw(t.port)
    s.send(rawPublish(Buffer.from(cabinetTopic(EVIL, 'heartbeat')), Buffer.from(heartbeat(1))))
    await s.closed
    expect(s.received).toEqual([])
  })
  attack(t.a, SECTION, 'a second CONNECT on one connection', async () => {
    const s = await rawLogin(t.port, EVIL, t.evilSecret)
    s.send(connectPacket(VICTIM, VICTIM, t.victimSecret))
    await s.closed
    expect(s.received.filter((p) => p.cmd === 'connack')).toHaveLength(1)
  })
  attack(t.a, SECTION, 'a packet declaring 256 MB', async () => {
    const before = await metric(t.arena.gw, 'aedgw_messages_rejected_total', '{reason="packet_too_large"}')
    const s = await rawLogin(t.port, EVIL, t.evilSecret)
    // the largest Remaining Length MQTT can express, then only the first bytes of the body
    s.send(Buffer.concat([Buffer.from([0x32]), remainingLength(268_435_455), Buffer.alloc(1024, 0x41)]))
    await s.closed
    expect(await metric(t.arena.gw, 'aedgw_messages_rejected_total', '{reason="packet_too_large"}')).toBe(
      before + 1,
    )
  })
  attack(t.a, SECTION, 'half a CONNECT, then silence (slow loris)', async () => {
    const s = await openRaw(t.port)
    // CONNECT fixed header declaring 64 bytes, then only the protocol name's length
    s.send(Buffer.from([0x10, 0x40, 0x00, 0x04]))
    await s.closed
    expect(s.received).toEqual([])
  })
  attack(
    t.a,
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
              const s = connect(t.port, '127.0.0.1', () => resolve())
              s.on('error', () => resolve())
              s.on('close', () => closed++)
              sockets.push(s)
            }),
        ),
      )
      // meanwhile the good cabinet is served, and a new one can still log in
      await t.arena.stillServing()
      const fresh = await connectCabinet(t.arena.gw.mqttUrl, EVIL, t.evilSecret)
      fresh.end(true)
      await eventually(() => (closed === 1000 ? true : undefined), 30_000)
      expect(t.arena.gw.gateway.broker.connectedCount()).toBeLessThanOrEqual(2)
    },
    60_000,
  )
  attack(t.a, SECTION, 'a keepalive above the limit', async () => {
    const s = await openRaw(t.port)
    s.send(connectPacket(EVIL, EVIL, t.evilSecret, { keepalive: 65_535 }))
    const ack = await s.next('connack').then(
      (p) => p as Extract<Packet, { cmd: 'connack' }>,
      () => null,
    )
    expect(ack === null || ack.returnCode !== 0).toBe(true)
    s.destroy()
  })

  // --- floods ---
  attack(t.a, SECTION, 'a QoS 1 flood past the rate limit', async () => {
    // its own cabinet: rate buckets outlive connections, so the attacker's would stay empty
    const flooder = 'FLOOD-0001'
    const c = await connectCabinet(t.arena.gw.mqttUrl, flooder, await t.arena.gw.register(flooder))
    t.open.push(c)
    let acks = 0
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    for (let seq = 0; seq < 1000; seq++)
      c.publish(cabinetTopic(flooder, 'heartbeat'), heartbeat(seq), { qos: 1 }, (err) => {
        if (!err) acks++
      })
    await t.arena.stillServing()
    await closed
    // the refusal closes the connection at once, so even the burst's PUBACKs may never leave
    // (those messages were committed: the cabinet resends and dedup drops the copies)
    expect(acks).toBeLessThanOrEqual(BURST)
    expect(
      await metric(t.arena.gw, 'aedgw_messages_rejected_total', '{reason="rate_limited"}'),
    ).toBeGreaterThan(0)
  })

  // --- hostile payloads (acknowledged and quarantined: the contract) ---
  const quarantined = async (payload: string | Buffer, reason: RegExp) => {
    const c = await t.evil()
    expect(await publishOutcome(c, cabinetTopic(EVIL, 'heartbeat'), payload)).toBe('acked')
    const q = await t.arena.gw.api('GET', '/api/v1/quarantine?limit=1')
    expect(q.json.items[0].cabinet).toBe(EVIL)
    expect(q.json.items[0].reason).toMatch(reason)
  }
  attack(t.a, SECTION, 'a JSON bomb: deep nesting', async () => {
    await quarantined(`{"ts":1,"seq":1,"x":${'['.repeat(1900)}${']'.repeat(1900)}}`, /^invalid_payload/)
  })
  attack(t.a, SECTION, 'a JSON bomb: deep object nesting in a required field', async () => {
    await quarantined(
      heartbeat(1).replace('"battery_pct":87', `"battery_pct":${'{"a":'.repeat(600)}1${'}'.repeat(600)}`),
      /^invalid_payload/,
    )
  })
  attack(t.a, SECTION, 'a JSON bomb: a huge string', async () => {
    await quarantined(heartbeat(1, { fw: 'x'.repeat(7000) }), /^payload_too_large/)
  })
  attack(t.a, SECTION, 'a JSON bomb: a huge string far past the packet limit', async () => {
    const c = await t.evil()
    expect(
      await publishOutcome(c, cabinetTopic(EVIL, 'heartbeat'), heartbeat(1, { fw: 'x'.repeat(2_000_000) })),
    ).toBe('closed')
  })
  attack(t.a, SECTION, '`__proto__` and `constructor` keys', async () => {
    const c = await t.evil()
    const payload = heartbeat(88_001).replace(
      '{',
      '{"__proto__":{"polluted":true,"battery_pct":1},"constructor":{"prototype":{"polluted":true}},',
    )
    expect(await publishOutcome(c, cabinetTopic(EVIL, 'heartbeat'), payload)).toBe('acked')
    const rows = await eventually(async () => {
      const r = await influxRows(t.arena.gw.db, `SELECT battery_pct FROM heartbeat WHERE seq = 88001`)
      return r.length === 1 ? r : undefined
    })
    expect(rows[0]?.battery_pct).toBe(87)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
  })
})
