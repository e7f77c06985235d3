import { connect } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generate, type Packet } from 'mqtt-packet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ingest } from '../../gateway/ingest/ingest.ts'
import { PUBLISH_LEAVES } from '../../gateway/protocol/topics.ts'
import { heartbeat } from '../helpers/gateway.ts'
import { connectPacket } from '../helpers/raw-mqtt.ts'
import { type Arena, startArena } from './arena.ts'
import { record, render } from './report.ts'
import { budget, prng, SCALE, SEED } from './scale.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const mb = (n: number) => Math.round((n / 1048576) * 10) / 10
function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const FUZZ_CABINETS = ['FUZZ-0001', 'FUZZ-0002', 'FUZZ-0003', 'FUZZ-0004']

/** Seeded mutations: bit flips, byte overwrites, truncation, Remaining Length corruption, splices. */
function mutate(buf: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(buf)
  const pick = () => Math.floor(rnd() * b.length)
  switch (Math.floor(rnd() * 6)) {
    case 0:
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) b[pick()] ^= 1 << Math.floor(rnd() * 8)
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

function randomPacket(rnd: () => number): Buffer {
  const b = Buffer.alloc(2 + Math.floor(rnd() * 200))
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256)
  return b
}

describe('fuzzing', () => {
  let arena: Arena
  const secrets = new Map<string, string>()
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown) => unhandled.push(e)

  beforeAll(async () => {
    arena = await startArena('GOOD-FUZZ-01', {
      // a fuzzer's garbage logins must not lock the fuzzer's own valid logins out
      mqtt: {
        connect_timeout_ms: 500,
        login_backoff: { max_failures: 1_000_000, max_failures_per_address: 0 },
      },
      store: { sync: 'normal' },
    })
    for (const id of FUZZ_CABINETS) secrets.set(id, await arena.gw.register(id))
    process.on('unhandledRejection', onUnhandled)
    process.on('uncaughtException', onUnhandled)
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    process.off('uncaughtException', onUnhandled)
    try {
      await arena.verifyStored()
    } finally {
      await arena.stop()
      render()
    }
  })

  it(
    `survives ${SCALE.fuzzPackets} mutated and random MQTT packets over many short connections`,
    async () => {
      const rnd = prng(SEED)
      const port = arena.gw.gateway.addresses().mqtt
      const templates = (id: string, secret: string): Buffer[] =>
        [
          connectPacket(id, id, secret),
          {
            cmd: 'publish',
            topic: `aed/v1/${id}/heartbeat`,
            payload: Buffer.from(heartbeat(Math.floor(rnd() * 1000))),
            qos: 1,
            messageId: 1 + Math.floor(rnd() * 65000),
            retain: false,
            dup: false,
          },
          {
            cmd: 'publish',
            topic: `aed/v1/${id}/status`,
            payload: Buffer.from('online'),
            qos: 0,
            retain: true,
            dup: false,
          },
          { cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: `aed/v1/${id}/cmd`, qos: 1 }] },
          { cmd: 'unsubscribe', messageId: 8, unsubscriptions: [`aed/v1/${id}/cmd`] },
          { cmd: 'pingreq' },
          { cmd: 'puback', messageId: 3 },
          { cmd: 'disconnect' },
        ].map((p) => generate(p as Packet))

      const heapBefore = heapAfterGc()
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
        while (sent < SCALE.fuzzPackets) {
          await session()
          if (connections % 500 === 0) await arena.stillServing()
        }
      })
      await Promise.all(workers)
      for (let i = 0; i < 5; i++) await arena.stillServing()
      await new Promise((r) => setTimeout(r, 1000))
      const heapAfter = heapAfterGc()
      const connected = arena.gw.gateway.broker.connectedCount()
      record('fuzzing', 'MQTT packets against a live broker', {
        packets_fuzzed: sent,
        connections,
        heap_start_mb: mb(heapBefore),
        heap_end_mb: mb(heapAfter),
        unhandled_errors: unhandled.length,
        connected_after: connected,
        seed: SEED,
      })
      expect(unhandled).toEqual([])
      // the good cabinet only, once the fuzz connections are gone
      expect(connected).toBe(1)
      // bounded: the heap after GC does not keep what the fuzz sent (tens of MB went through)
      expect(heapAfter).toBeLessThan(heapBefore + 64 * 1048576)
    },
    budget(SCALE.fuzzPackets / 2, 180_000),
  )

  it(
    `never throws on ${SCALE.payloadFuzz} mutated payloads through ingest`,
    () => {
      const rnd = prng(SEED + 1)
      const ingest = new Ingest({
        config: {
          ingest: {
            max_payload_bytes: 4096,
            clock_skew_ms: 300_000,
            keep_extra_fields: true,
            dedup_window: 256,
          },
        },
        districtOf: () => '1001',
      })
      const seeds = [
        heartbeat(1),
        heartbeat(2, { boot: 'b1', fw: '1.4.2', power: 'mains', self_test: 'pass', rssi_dbm: -70 }),
        JSON.stringify({ ts: '2026-11-26T04:00:00Z', seq: 3, type: 'self_test', result: 'pass' }),
        JSON.stringify({ ts: 1_795_000_000_000, seq: 4, type: 'door_open', detail: 'x' }),
        'online',
        '{"__proto__":{"x":1},"constructor":{"prototype":{"y":2}}}',
      ].map((s) => Buffer.from(s))
      const heapBefore = heapAfterGc()
      const outcomes: Record<string, number> = {}
      for (let i = 0; i < SCALE.payloadFuzz; i++) {
        const base = seeds[Math.floor(rnd() * seeds.length)] as Buffer
        const payload = rnd() < 0.1 ? randomPacket(rnd) : mutate(base, rnd)
        const leaf = PUBLISH_LEAVES[
          Math.floor(rnd() * PUBLISH_LEAVES.length)
        ] as (typeof PUBLISH_LEAVES)[number]
        const res = ingest.process('FUZZ-0001', leaf, payload, Date.now())
        const key = res.ok ? 'accepted' : res.reason
        outcomes[key] = (outcomes[key] ?? 0) + 1
        if (res.ok) expect(res.line).not.toMatch(/\n/)
      }
      const heapAfter = heapAfterGc()
      record('fuzzing', 'payloads through Ingest.process', {
        payloads_fuzzed: SCALE.payloadFuzz,
        ...outcomes,
        heap_start_mb: mb(heapBefore),
        heap_end_mb: mb(heapAfter),
      })
      expect(({} as Record<string, unknown>).x).toBeUndefined()
      expect(heapAfter).toBeLessThan(heapBefore + 64 * 1048576)
    },
    budget(60_000),
  )
})
