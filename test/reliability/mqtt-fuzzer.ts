import { connect } from 'node:net'
import { generate, type Packet } from 'mqtt-packet'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat } from '../helpers/gateway.ts'
import { eventually } from '../helpers/influx.ts'
import { connectPacket } from '../helpers/raw-mqtt.ts'
import type { Arena } from './arena.ts'
import { prng } from './scale.ts'

/** Seeded mutations: bit flips, byte overwrites, truncation, Remaining Length corruption, splices. */
export function mutate(buf: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(buf)
  const pick = () => Math.floor(rnd() * b.length)
  const flip = (i: number, bit: number) => {
    b[i] = (b[i] ?? 0) ^ (1 << bit)
  }
  switch (Math.floor(rnd() * 6)) {
    case 0:
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) flip(pick(), Math.floor(rnd() * 8))
      return b
    case 1:
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) b[pick()] = Math.floor(rnd() * 256)
      return b
    case 2:
      return b.subarray(0, pick())
    case 3:
      // the Remaining Length: any byte, including continuation bits and over-long forms
      if (b.length > 1) b[1] = Math.floor(rnd() * 256)
      if (b.length > 2 && rnd() < 0.5) b[2] = Math.floor(rnd() * 256)
      return b
    case 4: {
      const extra = Buffer.alloc(Math.floor(rnd() * 64))
      for (let i = 0; i < extra.length; i++) extra[i] = Math.floor(rnd() * 256)
      const at = pick()
      return Buffer.concat([b.subarray(0, at), extra, b.subarray(at)])
    }
    default: {
      // the type nibble and flags
      b[0] = Math.floor(rnd() * 256)
      return b
    }
  }
}

export function randomPacket(rnd: () => number): Buffer {
  const b = Buffer.alloc(2 + Math.floor(rnd() * 200))
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256)
  return b
}

export const FUZZ_CABINETS = ['FUZZ-0001', 'FUZZ-0002', 'FUZZ-0003', 'FUZZ-0004']

/**
 * Sends `packets` mutated and random MQTT packets to the arena's broker over many short
 * connections (16 at a time), most of them after a valid CONNECT of a fuzz cabinet so the
 * post-CONNECT handlers are reached; the good cabinet publishes every 500 connections. Returns
 * what was sent and how many clients the broker still counts once every fuzz socket is closed.
 */
export async function fuzzBroker(
  arena: Arena,
  secrets: Map<string, string>,
  packets: number,
  seed: number,
): Promise<{ sent: number; connections: number; connected: number }> {
  const rnd = prng(seed)
  const port = arena.gw.gateway.addresses().mqtt
  const templates = (id: string, secret: string): Buffer[] =>
    [
      connectPacket(id, id, secret),
      {
        cmd: 'publish',
        topic: cabinetTopic(id, 'heartbeat'),
        payload: Buffer.from(heartbeat(Math.floor(rnd() * 1000))),
        qos: 1,
        messageId: 1 + Math.floor(rnd() * 65000),
        retain: false,
        dup: false,
      },
      {
        cmd: 'publish',
        topic: cabinetTopic(id, 'status'),
        payload: Buffer.from('online'),
        qos: 0,
        retain: true,
        dup: false,
      },
      { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: cabinetTopic(id, 'cmd'), qos: 1 }] },
      { cmd: 'unsubscribe', messageId: 8, unsubscriptions: [cabinetTopic(id, 'cmd')] },
      { cmd: 'pingreq' },
      { cmd: 'puback', messageId: 3 },
      { cmd: 'disconnect' },
    ].map((p) => generate(p as Packet))

  let sent = 0
  let connections = 0
  const session = async () => {
    const id = FUZZ_CABINETS[Math.floor(rnd() * FUZZ_CABINETS.length)] as string
    const t = templates(id, secrets.get(id) as string)
    const parts: Buffer[] = []
    // most sessions log in properly first, so the fuzz reaches the post-CONNECT handlers
    if (rnd() < 0.7) parts.push(t[0] as Buffer)
    const n = 10 + Math.floor(rnd() * 40)
    for (let i = 0; i < n; i++) {
      const r = rnd()
      if (r < 0.2) parts.push(randomPacket(rnd))
      else if (r < 0.35) parts.push(t[Math.floor(rnd() * t.length)] as Buffer)
      else parts.push(mutate(t[Math.floor(rnd() * t.length)] as Buffer, rnd))
    }
    sent += parts.length
    connections++
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1')
      const done = () => {
        clearTimeout(timer)
        s.destroy()
        resolve()
      }
      const timer = setTimeout(done, 300)
      s.on('error', done)
      s.on('close', done)
      s.on('data', () => undefined)
      s.once('connect', () => {
        // sometimes all at once, sometimes byte-split, to exercise the guard's partial headers
        const bytes = Buffer.concat(parts)
        if (rnd() < 0.8) s.write(bytes)
        else for (let i = 0; i < bytes.length; i += 7) s.write(bytes.subarray(i, i + 7))
      })
    })
  }
  const workers = Array.from({ length: 16 }, async () => {
    while (sent < packets) {
      await session()
      if (connections % 500 === 0) await arena.stillServing()
    }
  })
  await Promise.all(workers)
  for (let i = 0; i < 5; i++) await arena.stillServing()
  // every fuzz socket is closed on our side: the broker must notice and forget them all
  const connected = await eventually(
    () => (arena.gw.gateway.broker.connectedCount() === 1 ? 1 : undefined),
    30_000,
  ).catch(() => arena.gw.gateway.broker.connectedCount())
  return { sent, connections, connected }
}
