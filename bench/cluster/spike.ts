/**
 * Broker-tier spike: one measurement against a fresh three-node cluster on loopback.
 *
 *   npx tsx bench/cluster/spike.ts kill --broker rabbitmq|nats [--cabinets 100] [--window 10]
 *   npx tsx bench/cluster/spike.ts rate --broker rabbitmq|nats [--cabinets 100] [--seconds 30]
 *   npx tsx bench/cluster/spike.ts idle --broker rabbitmq|nats [--connections 10000]
 *
 * kill: cabinets publish QoS 1 heartbeats to the node that leads the replicated log; after the
 *       warm-up that node gets SIGKILL right after PUBACKs; cabinets move to the next broker of
 *       their list and resend what was not acknowledged; at the end every acknowledged
 *       (cabinet, seq) must have reached the gateway's consumer. The killed node stays down.
 * rate: acknowledged heartbeats per second, sustained, with every one checked delivered.
 * idle: resident memory of the node holding N idle MQTT connections, before and after.
 *
 * Writes one JSON line to stdout and to bench/results/cluster/.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { rssBytes } from '../../scripts/cluster/common.ts'
import { SpikeCabinet } from './cabinet.ts'
import type { SpikeBroker } from './spike-broker.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    broker: { type: 'string', default: 'rabbitmq' },
    cabinets: { type: 'string', default: '100' },
    window: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '10' },
    after: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '10000' },
    // rabbitmq only: `classic` is the control case that must show losses
    queue: { type: 'string', default: 'quorum' },
  },
})
const mode = positionals[0] ?? 'kill'
const n = (k: keyof typeof values) => Number(values[k])

function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!)
}

async function waitFor(cond: () => boolean, timeoutMs: number, quietMs = 0, progress?: () => number) {
  const until = Date.now() + timeoutMs
  let last = progress?.() ?? 0
  let lastChange = Date.now()
  while (!cond() && Date.now() < until) {
    await sleep(200)
    const now = progress?.() ?? 0
    if (now !== last) {
      last = now
      lastChange = Date.now()
    } else if (quietMs > 0 && Date.now() - lastChange > quietMs) return
  }
}

async function loadRun(b: SpikeBroker, kill: boolean): Promise<Record<string, unknown>> {
  const leader = await b.leaderNode()
  const acked = new Set<string>()
  const received = new Set<string>()
  let deliveries = 0
  await b.consume((id, seq) => {
    deliveries++
    received.add(`${id}:${seq}`)
  }, leader)
  const reconnects: number[] = []
  let lastAckAt: number | null = null
  let longestAckGap = 0
  let publishing = false
  const landedOn: Record<number, number> = {}
  const order = [leader, (leader + 1) % 3, (leader + 2) % 3].map((i) => b.mqtt[i]!)
  const cabinets = b.cabinets.slice(0, n('cabinets')).map(
    (c) =>
      new SpikeCabinet({
        ...c,
        brokers: order,
        window: n('window'),
        keepaliveS: 5,
        reconnectMs: 250,
        onAck: (id, seq) => {
          acked.add(`${id}:${seq}`)
          const now = performance.now()
          if (lastAckAt !== null && publishing) longestAckGap = Math.max(longestAckGap, now - lastAckAt)
          lastAckAt = now
        },
        onReconnect: (ms, broker) => {
          reconnects.push(ms)
          const node = ((leader + broker) % 3) + 1
          landedOn[node] = (landedOn[node] ?? 0) + 1
        },
      }),
  )
  for (const c of cabinets) c.start()
  await waitFor(() => cabinets.every((c) => c.connected), 60_000)
  const connected = cabinets.filter((c) => c.connected).length
  publishing = true
  for (const c of cabinets) c.startPublishing()
  const result: Record<string, unknown> = { leader_node: leader + 1, connected }
  const startedAt = performance.now()
  await sleep(n('warmup') * 1000)
  if (kill) {
    const pid = b.pid(leader)
    if (pid === null) throw new Error('leader node not running')
    const before = acked.size
    process.kill(pid, 'SIGKILL')
    result.killed_node = leader + 1
    result.acked_at_kill = before
    result.rate_before_kill = Math.round(before / ((performance.now() - startedAt) / 1000))
    await sleep(n('after') * 1000)
  } else {
    const from = acked.size
    const t0 = performance.now()
    const perSecond: number[] = []
    for (let s = 0; s < n('seconds'); s++) {
      const a = acked.size
      await sleep(1000)
      perSecond.push(acked.size - a)
    }
    result.acked_per_s = Math.round((acked.size - from) / ((performance.now() - t0) / 1000))
    result.acked_per_s_p10_p50_p90 = [10, 50, 90].map((p) => percentile(perSecond, p))
  }
  for (const c of cabinets) c.stopPublishing()
  publishing = false
  const stillConnected = cabinets.filter((c) => c.connected).length
  // let resent and in-flight messages finish, then let the consumer catch up
  await waitFor(
    () => false,
    30_000,
    3000,
    () => acked.size,
  )
  await waitFor(
    () => [...acked].every((k) => received.has(k)),
    120_000,
    15_000,
    () => received.size,
  )
  const lost = [...acked].filter((k) => !received.has(k))
  await Promise.all(cabinets.map((c) => c.stop()))
  return {
    ...result,
    acked: acked.size,
    delivered_unique: received.size,
    deliveries,
    acked_not_delivered: lost.length,
    lost_sample: lost.slice(0, 5),
    ...(kill
      ? {
          reconnects: reconnects.length,
          reconnect_ms_p50_p95_max: [
            percentile(reconnects, 50),
            percentile(reconnects, 95),
            percentile(reconnects, 100),
          ],
          // while publishing: how long no PUBACK at all arrived (the fail-over's outage)
          longest_puback_gap_ms: Math.round(longestAckGap),
          landed_on_node: landedOn,
          connected_at_end: stillConnected,
        }
      : {}),
  }
}

async function idleRun(b: SpikeBroker): Promise<Record<string, unknown>> {
  const target = 1 // connections go to node 2
  const total = Math.min(n('connections'), b.cabinets.length)
  const rss = async () => Promise.all([0, 1, 2].map(async (i) => rssBytes(b.pid(i) ?? -1)))
  await sleep(5000)
  const before = await rss()
  const cabinets: SpikeCabinet[] = []
  const t0 = performance.now()
  for (let i = 0; i < total; i++) {
    const c = new SpikeCabinet({
      ...b.cabinets[i]!,
      brokers: [b.mqtt[target]!],
      // several source addresses: one address has ~28,000 ephemeral ports
      localAddress: `127.0.0.${2 + (i % 4)}`,
      window: 1,
      keepaliveS: 300,
      reconnectMs: 5000,
    })
    c.start()
    cabinets.push(c)
    // at most ~200 CONNECTs waiting at once
    while (cabinets.length - cabinets.filter((x) => x.connects > 0).length > 200) await sleep(20)
  }
  await waitFor(
    () => cabinets.every((c) => c.connected),
    300_000,
    30_000,
    () => cabinets.filter((c) => c.connected).length,
  )
  const connectSeconds = (performance.now() - t0) / 1000
  await sleep(15_000)
  const connected = cabinets.filter((c) => c.connected).length
  const after = await rss()
  await Promise.all(cabinets.map((c) => c.stop()))
  const delta = after.map((a, i) => (a ?? 0) - (before[i] ?? 0))
  const sum = delta.reduce((s, d) => s + d, 0)
  return {
    connections: connected,
    connect_seconds: Math.round(connectSeconds),
    rss_before_mib: before.map((x) => Math.round((x ?? 0) / 2 ** 20)),
    rss_after_mib: after.map((x) => Math.round((x ?? 0) / 2 ** 20)),
    kib_per_connection_on_node: Math.round(delta[target]! / connected / 1024),
    kib_per_connection_cluster: Math.round(sum / connected / 1024),
  }
}

async function main(): Promise<void> {
  const broker = values.broker
  const count = mode === 'idle' ? n('connections') : n('cabinets')
  // loaded on demand: each spike needs only its own client libraries
  const b =
    broker === 'nats'
      ? await (await import('./nats-spike.ts')).startNatsSpike(count)
      : await (await import('./rabbitmq-spike.ts')).startRabbitSpike(
          count,
          values.queue === 'classic' ? 'classic' : 'quorum',
        )
  let result: Record<string, unknown>
  // the machine is shared: its load during the run goes with every figure
  const loadBefore = loadavg()[0]!
  try {
    result = mode === 'idle' ? await idleRun(b) : await loadRun(b, mode === 'kill')
  } finally {
    await b.stop()
  }
  const line = JSON.stringify({
    at: new Date().toISOString(),
    broker,
    mode,
    cabinets: mode === 'idle' ? undefined : n('cabinets'),
    window: mode === 'idle' ? undefined : n('window'),
    ...result,
    load_avg_1m_before_after: [loadBefore, loadavg()[0]!].map((x) => Math.round(x * 10) / 10),
    notes: b.notes(),
  })
  mkdirSync('bench/results/cluster', { recursive: true })
  appendFileSync('bench/results/cluster/spike.jsonl', `${line}\n`)
  process.stdout.write(`${line}\n`)
  process.exit(0)
}

await main()
