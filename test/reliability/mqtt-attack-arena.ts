import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, expect } from 'vitest'
import { connectCabinet } from '../helpers/gateway.ts'
import { type Arena, startArena } from './arena.ts'
import { render } from './report.ts'

/** What the MQTT attack files share: one report section, an attacker, a victim, the rate burst. */
export const SECTION = 'attacks (MQTT)'
export const EVIL = 'EVIL-0001'
export const VICTIM = 'VICTIM-0001'
export const BURST = 50

/** mqtt.js connect that must be refused: resolves with the CONNACK return code (or -1 if closed). */
export async function refusedWith(url: string, id: string, secret: string, opts = {}): Promise<number> {
  try {
    const c = await connectCabinet(url, id, secret, opts)
    c.end(true)
    return 0
  } catch (err) {
    return (err as { code?: number }).code ?? -1
  }
}

export interface MqttAttackArena {
  arena: Arena
  a: () => Arena
  evilSecret: string
  victimSecret: string
  port: number
  /** Clients the attacks leave open; ended after the file. */
  open: MqttClient[]
  /** A new connection as the attacker, logged in with its own secret. */
  evil(): Promise<MqttClient>
}

/**
 * The arena of one MQTT attack file (call inside its describe): a gateway with a short connect
 * timeout and a low rate limit, the attacker and the victim registered; afterwards every
 * heartbeat the good cabinet had acknowledged must be stored, and the report is re-rendered.
 */
export function mqttAttackArena(goodId: string): MqttAttackArena {
  const t: MqttAttackArena = {
    arena: undefined as unknown as Arena,
    a: () => t.arena,
    evilSecret: '',
    victimSecret: '',
    port: 0,
    open: [],
    async evil() {
      const c = await connectCabinet(t.arena.gw.mqttUrl, EVIL, t.evilSecret)
      t.open.push(c)
      return c
    },
  }
  beforeAll(async () => {
    t.arena = await startArena(goodId, {
      mqtt: {
        connect_timeout_ms: 1000,
        rate: { per_second: 20, burst: BURST },
        // refusals of many cases must not lock the test's own address out; the brute-force
        // case runs against a gateway with the defaults
        login_backoff: { max_failures: 1000, max_failures_per_address: 0 },
        // nor may the connect rate: the attacker logs in once per case
        connect_rate: { per_minute: 60_000, burst: 10_000, per_address_burst: 100_000 },
      },
    })
    t.evilSecret = await t.arena.gw.register(EVIL)
    t.victimSecret = await t.arena.gw.register(VICTIM)
    t.port = t.arena.gw.gateway.addresses().mqtt
  })
  afterAll(async () => {
    for (const c of t.open) c.end(true)
    try {
      const n = await t.arena.verifyStored()
      expect(n).toBe(t.arena.acked.length)
    } finally {
      await t.arena.stop()
      render()
    }
  })
  return t
}
