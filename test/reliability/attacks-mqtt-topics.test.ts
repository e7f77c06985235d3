import type { Packet } from 'mqtt-packet'
import { describe, expect } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { connectCabinet, heartbeat } from '../helpers/gateway.ts'
import { influxRows } from '../helpers/influx.ts'
import { rawLogin, rawPublish, rawSubscribe } from '../helpers/raw-mqtt.ts'
import { attack, publishOutcome, subackCode } from './arena.ts'
import { EVIL, mqttAttackArena, SECTION, VICTIM } from './mqtt-attack-arena.ts'

/**
 * Topics outside the contract, written out by hand on purpose (the contract's own topics come from
 * cabinetTopic): each must be refused.
 */
const FOREIGN_PUBLISH_TOPICS = [
  ['a `+` wildcard in a PUBLISH topic', 'aed/v1/+/heartbeat'],
  ['a `#` wildcard in a PUBLISH topic', `aed/v1/${EVIL}/#`],
  ['an empty PUBLISH topic', ''],
  ['a NUL after a valid topic', `${cabinetTopic(EVIL, 'heartbeat')}\u0000`],
  ['too many topic levels', `${cabinetTopic(EVIL, 'heartbeat')}${'/x'.repeat(300)}`],
] as const
/** A wildcard filter over every cabinet's heartbeats: no cabinet may subscribe to it. */
const EVERY_CABINET_HEARTBEAT = 'aed/v1/+/heartbeat'

/** Publishing and subscribing outside the cabinet's own topics. */
describe('topic attacks over MQTT', () => {
  const t = mqttAttackArena('GOOD-0004')

  // --- publishing where it may not ---
  attack(t.a, SECTION, 'publishing to another cabinet’s heartbeat', async () => {
    const c = await t.evil()
    expect(await publishOutcome(c, cabinetTopic(VICTIM, 'heartbeat'), heartbeat(77_001))).toBe('closed')
    await t.arena.stillServing() // the write path has flushed past the attempt by now
    const rows = await influxRows(t.arena.gw.db, 'SELECT seq FROM heartbeat WHERE seq = 77001')
    expect(rows).toEqual([])
  })
  attack(t.a, SECTION, 'publishing a command to another cabinet’s cmd', async () => {
    const victim = await connectCabinet(t.arena.gw.mqttUrl, VICTIM, t.victimSecret)
    t.open.push(victim)
    expect(await subackCode(victim, cabinetTopic(VICTIM, 'cmd'))).toBe(1)
    const got: string[] = []
    victim.on('message', (topic) => got.push(topic))
    const c = await t.evil()
    expect(await publishOutcome(c, cabinetTopic(VICTIM, 'cmd'), '{"id":"x","type":"unlock"}')).toBe('closed')
    await t.arena.stillServing()
    expect(got).toEqual([])
    victim.end(true)
  })
  attack(t.a, SECTION, 'publishing to $SYS', async () => {
    expect(await publishOutcome(await t.evil(), '$SYS/broker/clients/connected', '0')).toBe('closed')
  })
  for (const [name, topic] of FOREIGN_PUBLISH_TOPICS) {
    attack(t.a, SECTION, name, async () => {
      const s = await rawLogin(t.port, EVIL, t.evilSecret)
      s.send(rawPublish(Buffer.from(topic, 'utf8'), Buffer.from(heartbeat(1))))
      await s.closed
      expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
    })
  }
  attack(t.a, SECTION, 'invalid UTF-8 in a PUBLISH topic', async () => {
    const s = await rawLogin(t.port, EVIL, t.evilSecret)
    const topic = Buffer.concat([Buffer.from(cabinetTopic(EVIL, 'heartbeat')), Buffer.from([0xc3, 0x28])])
    s.send(rawPublish(topic, Buffer.from(heartbeat(1))))
    await s.closed
    expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
  })
  attack(t.a, SECTION, 'a PUBLISH with the reserved QoS 3', async () => {
    const s = await rawLogin(t.port, EVIL, t.evilSecret)
    const good = rawPublish(Buffer.from(cabinetTopic(EVIL, 'heartbeat')), Buffer.from(heartbeat(1)))
    good[0] = 0x36 // QoS bits 11 [MQTT-3.3.1-4]
    s.send(good)
    await s.closed
    expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
  })

  // --- subscribing where it may not ---
  for (const filter of ['#', '+/#', '$SYS/#', cabinetTopic(VICTIM, 'cmd'), EVERY_CABINET_HEARTBEAT]) {
    attack(t.a, SECTION, `a subscription to ${filter}`, async () => {
      const c = await t.evil()
      expect(await subackCode(c, filter)).toBe(128)
    })
  }
  attack(t.a, SECTION, 'a subscription filter with NUL and invalid UTF-8', async () => {
    const s = await rawLogin(t.port, EVIL, t.evilSecret)
    s.send(
      rawSubscribe(Buffer.concat([Buffer.from(cabinetTopic(EVIL, 'cmd')), Buffer.from([0x00, 0xc3, 0x28])])),
    )
    const suback = await s.next('suback').then(
      (p) => p as Extract<Packet, { cmd: 'suback' }>,
      () => null,
    )
    expect(suback === null || suback.granted[0] === 128).toBe(true)
    s.destroy()
  })
})
