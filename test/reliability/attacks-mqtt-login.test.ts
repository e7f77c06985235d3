import type { Packet } from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { connectCabinet, heartbeat } from '../helpers/gateway.ts'
import { connectPacket, openRaw, rawPublish } from '../helpers/raw-mqtt.ts'
import { type Arena, attack, metric, startArena } from './arena.ts'
import { EVIL, mqttAttackArena, refusedWith, SECTION, VICTIM } from './mqtt-attack-arena.ts'
import { render } from './report.ts'

/** Logging in as who it is not: wrong, borrowed or retired secrets, wildcard ids, foreign wills. */
describe('login attacks over MQTT', () => {
  const t = mqttAttackArena('GOOD-0001')

  // --- logins ---
  attack(t.a, SECTION, 'a wrong secret', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, EVIL, 'not-the-secret')).toBe(4)
  })
  attack(t.a, SECTION, 'an unknown cabinet id', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, 'NOBODY-9999', t.evilSecret)).toBe(4)
  })
  attack(t.a, SECTION, 'another cabinet’s secret', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, EVIL, t.victimSecret)).toBe(4)
  })
  attack(t.a, SECTION, 'a client id that is not the username', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, EVIL, t.evilSecret, { clientId: VICTIM })).toBe(5)
  })
  attack(t.a, SECTION, '`#` as client id and username', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, '#', t.evilSecret)).toBe(5)
  })
  attack(t.a, SECTION, '`+` as client id and username', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, '+', t.evilSecret)).toBe(5)
  })
  attack(t.a, SECTION, '`#` as username with a real client id', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, EVIL, t.evilSecret, { username: '#' })).toBe(5)
  })
  attack(t.a, SECTION, '`+` as username with a real client id', async () => {
    expect(await refusedWith(t.arena.gw.mqttUrl, EVIL, t.evilSecret, { username: '+' })).toBe(5)
  })
  attack(t.a, SECTION, 'an empty client id without credentials', async () => {
    const s = await openRaw(t.port)
    s.send(connectPacket(''))
    const code = await s.next('connack').then(
      (p) => (p as Extract<Packet, { cmd: 'connack' }>).returnCode,
      () => -1,
    )
    expect(code === -1 || (code as number) >= 2).toBe(true)
    await s.closed
  })
  attack(t.a, SECTION, 'a retired cabinet with its once-valid secret', async () => {
    const secret = await t.arena.gw.register('RETIRED-0001')
    expect((await t.arena.gw.api('DELETE', '/api/v1/cabinets/RETIRED-0001')).status).toBe(200)
    expect(await refusedWith(t.arena.gw.mqttUrl, 'RETIRED-0001', secret)).toBe(4)
  })
  attack(t.a, SECTION, 'a last will aimed at another cabinet', async () => {
    const will = {
      topic: cabinetTopic(VICTIM, 'status'),
      payload: Buffer.from('offline'),
      qos: 1 as const,
      retain: true,
    }
    expect(await refusedWith(t.arena.gw.mqttUrl, EVIL, t.evilSecret, { will })).toBe(5)
  })
  attack(t.a, SECTION, 'an unsupported protocol level (3.1)', async () => {
    const s = await openRaw(t.port)
    s.send(connectPacket(EVIL, EVIL, t.evilSecret, { protocolId: 'MQIsdp', protocolVersion: 3 }))
    const ack = await s.next('connack').then(
      (p) => p as Extract<Packet, { cmd: 'connack' }>,
      () => null,
    )
    // either a refusal or an accepted 3.1 session confined by the same ACL; never a crash
    if (ack && ack.returnCode === 0) {
      s.send(rawPublish(Buffer.from(cabinetTopic(VICTIM, 'heartbeat')), Buffer.from(heartbeat(1))))
      await s.closed
      expect(s.received.some((p) => p.cmd === 'puback')).toBe(false)
    } else {
      expect(ack === null || ack.returnCode !== 0).toBe(true)
    }
    s.destroy()
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
      await fresh.publishAsync(cabinetTopic('GOOD-0003', 'heartbeat'), heartbeat(1), { qos: 1 })
      fresh.end(true)
    },
    120_000,
  )
})
