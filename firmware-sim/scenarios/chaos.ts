import { connect as netConnect } from 'node:net'
import { MqttClient } from 'mqtt'
import { cabinetTopic } from '../protocol.ts'
import type { SimCabinet } from '../runtime.ts'
import { type Scenario, someOf } from './scenario.ts'

/** Payloads a broken or hostile cabinet might send; each must be quarantined, not crash anything. */
const MALFORMED: ReadonlyArray<(seq: number) => string> = [
  () => 'not json at all',
  () => '{"ts":"2026-01-01T00:00:00Z","seq":1,',
  (seq) =>
    JSON.stringify({
      ts: new Date().toISOString(),
      seq,
      battery_pct: 250,
      pad_expiry: '2027-01-01',
      door: 'closed',
    }),
  (seq) => JSON.stringify({ ts: 'yesterday', seq, battery_pct: 50, pad_expiry: '2027-01-01', door: 'ajar' }),
  (seq) =>
    JSON.stringify({ ts: Date.now(), seq: -seq - 1, battery_pct: 50, pad_expiry: 'soon', door: 'closed' }),
  (seq) => JSON.stringify({ ts: Date.now(), seq, junk: 'x'.repeat(5000) }),
  () => '[]',
]

/**
 * `chaos`: a fifth of the fleet misbehaves while the rest works normally. Clocks set hours wrong,
 * malformed payloads, duplicate QoS 1 deliveries (same boot and seq again), impostors with wrong
 * secrets (from their own source address, so the gateway's per-address login back-off does not
 * fall on the good cabinets), and reconnect storms where many cabinets drop at the same instant.
 */
export const chaos: Scenario = {
  name: 'chaos',
  summary: 'malformed payloads, wrong credentials, duplicate QoS 1 deliveries, clock skew, reconnect storms',
  params: (base, index, rnd) =>
    index % 5 === 4 ? { ...base, clockSkewMs: rnd.pick([-1, 1]) * rnd.range(1, 6) * 3_600_000 } : base,
  start(ctx) {
    const bad = ctx.cabinets.filter((_c, i) => i % 5 === 4)
    let n = 0
    // a short run (a test) gets its storms early; a long one at 15 s and 45 s
    const span = Math.min(60_000, ctx.durationMs ?? 60_000)
    ctx.every(Math.min(2_000, span / 10), () => {
      for (const cab of someOf(bad, 0.3, 1, ctx.rnd)) {
        const make = MALFORMED[n++ % MALFORMED.length]!
        cab.link.raw(cabinetTopic(cab.model.id, 'heartbeat'), make(n))
        if (cab.lastHeartbeat) cab.link.raw(cabinetTopic(cab.model.id, 'heartbeat'), cab.lastHeartbeat)
      }
    })
    ctx.every(Math.min(5_000, span / 6), () => impostor(ctx.mqtt, bad, ctx.rnd.int(0, 1_000_000), ctx.stats))
    ctx.after(span * 0.25, () => storm(someOf(ctx.cabinets, 0.3, 2, ctx.rnd), ctx.log))
    ctx.after(span * 0.6, () => storm(someOf(ctx.cabinets, 0.5, 2, ctx.rnd), ctx.log))
  },
}

function storm(cabinets: readonly SimCabinet[], log: (line: string) => void): void {
  log(`reconnect storm: ${cabinets.length} cabinets drop at once`)
  for (const c of cabinets) c.link.reboot()
}

/**
 * Connects with a misbehaving cabinet's id and a wrong secret, or an unknown id; the gateway
 * answers CONNACK 4. Only the chaos cabinets' ids are used: the per-id login back-off then falls
 * on them alone.
 */
function impostor(
  broker: { host: string; port: number },
  bad: readonly SimCabinet[],
  pick: number,
  stats: { chaos: number },
): void {
  const known = bad[pick % Math.max(1, bad.length)]
  const id = pick % 2 === 0 || !known ? `BKK-9999-${String(pick % 10000).padStart(4, '0')}` : known.model.id
  stats.chaos++
  const loopback = broker.host.startsWith('127.') || broker.host === 'localhost'
  const stream = () =>
    netConnect({ host: broker.host, port: broker.port, ...(loopback ? { localAddress: '127.0.0.254' } : {}) })
  const c = new MqttClient(stream, {
    clientId: id,
    username: id,
    password: 'wrong-secret',
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  })
  const done = () => c.end(true)
  c.once('error', done)
  c.once('connect', done)
  c.once('close', done)
}
