import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ingest } from '../../gateway/ingest/ingest.ts'
import { PUBLISH_LEAVES } from '../../gateway/protocol/topics.ts'
import { heartbeat } from '../helpers/gateway.ts'
import { type Arena, metric, startArena } from './arena.ts'
import { FUZZ_CABINETS, fuzzBroker, mutate, randomPacket } from './mqtt-fuzzer.ts'
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
        connect_rate: { per_minute: 6_000_000, burst: 1_000_000, per_address_burst: 1_000_000 },
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
      const heapBefore = heapAfterGc()
      const { sent, connections, connected } = await fuzzBroker(arena, secrets, SCALE.fuzzPackets, SEED)
      const heapAfter = heapAfterGc()
      record('fuzzing', 'MQTT packets against a live broker', {
        packets_fuzzed: sent,
        connections,
        heap_start_mb: mb(heapBefore),
        heap_end_mb: mb(heapAfter),
        unhandled_errors: unhandled.length,
        connected_after: connected,
        connected_metric_after: await metric(arena.gw, 'aedgw_connected_cabinets'),
        seed: SEED,
      })
      expect(unhandled).toEqual([])
      // connected_after should be 1 (the good cabinet): see regression-fuzz-connected.test.ts
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
            max_future_ms: 86_400_000,
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
