/**
 * `npm run bench -- --cluster`: cluster mode on loopback (three RabbitMQ nodes, PostgreSQL,
 * InfluxDB, gateway workers; scripts/cluster/stack.ts), measured, not tested:
 *
 * - acknowledged rate (PUBACKs the cabinets got from the broker) and stored rate (messages the
 *   workers acked to the broker after InfluxDB and PostgreSQL took them) with one worker, then
 *   with two, under the same closed-loop load;
 * - idle connections held across the three nodes, and the resident memory each node gained per
 *   connection.
 *
 * Appends one JSON line to bench/results/cluster/cluster-bench.jsonl and prints it. Env:
 * BENCH_CLUSTER_CABINETS (closed-loop cabinets, 100), BENCH_CLUSTER_WINDOW (in flight each, 10),
 * BENCH_CLUSTER_SECONDS (measured seconds per phase, 20), BENCH_CLUSTER_IDLE (idle connections,
 * 3000).
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { registerInPostgres } from '../../gateway/wiring/registry-mirror.ts'
import { rssBytes } from '../../scripts/cluster/common.ts'
import { type Stack, startStack } from '../../scripts/cluster/stack.ts'
import { ROOT, stopChild } from '../../scripts/lib/processes.ts'
import { SpikeCabinet } from '../cluster/cabinet.ts'

const env = (name: string, dflt: number) => Number(process.env[name] ?? dflt)
const CABINETS = env('BENCH_CLUSTER_CABINETS', 100)
const WINDOW = env('BENCH_CLUSTER_WINDOW', 10)
const SECONDS = env('BENCH_CLUSTER_SECONDS', 20)
const IDLE = env('BENCH_CLUSTER_IDLE', 3000)
const WARMUP_S = 5
const say = (line: string) => process.stderr.write(`cluster bench: ${line}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function register(stack: Stack, ids: string[]): Promise<Map<string, string>> {
  const pool = createPgPool({ url: stack.postgresUrl, max: 8 })
  const hasher = new SecretHasher(stack.hashKey)
  const out = new Map<string, string>()
  const reg = (id: string) => ({ id, name: id, lat: 13.75, lon: 100.5, district_code: '1001' })
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200)
    const secrets = await Promise.all(
      chunk.map((id) => registerInPostgres(pool, hasher, reg(id), Date.now())),
    )
    for (const [k, id] of chunk.entries()) out.set(id, secrets[k] as string)
  }
  await pool.end()
  // the workers re-read the registry every second here
  await sleep(2500)
  return out
}

/** Messages the running workers acked to the broker after storing, in total. */
async function storedByWorkers(stack: Stack): Promise<number> {
  let n = 0
  for (const w of stack.workers) {
    if (w.process.exitCode !== null || w.process.signalCode !== null) continue
    const r = await fetch(`http://127.0.0.1:${w.internalPort}/readyz`).catch(() => null)
    if (r) n += ((await r.json()) as { stored: number }).stored
  }
  return n
}

/** Closed-loop load for WARMUP_S + SECONDS; acknowledged/s and stored/s over the measured part. */
async function ratePhase(stack: Stack, secrets: Map<string, string>, baseMs: number) {
  let acked = 0
  const brokers = stack.nodes.map((n) => ({ host: '127.0.0.1', port: n.mqttPort }))
  const cabinets = [...secrets].map(
    ([id, secret], i) =>
      new SpikeCabinet({
        id,
        secret,
        brokers: [...brokers.slice(i % 3), ...brokers.slice(0, i % 3)],
        window: WINDOW,
        keepaliveS: 30,
        reconnectMs: 1000,
        payload: (seq) =>
          JSON.stringify({
            ts: new Date(baseMs + seq * 10).toISOString(),
            seq,
            battery_pct: 87,
            pad_expiry: '2027-05-01',
            door: 'closed',
          }),
        onAck: () => {
          acked++
        },
      }),
  )
  for (const c of cabinets) c.start()
  while (!cabinets.every((c) => c.connected)) await sleep(100)
  for (const c of cabinets) c.startPublishing()
  await sleep(WARMUP_S * 1000)
  const a0 = acked
  const s0 = await storedByWorkers(stack)
  const t0 = performance.now()
  await sleep(SECONDS * 1000)
  const a1 = acked
  const s1 = await storedByWorkers(stack)
  const s = (performance.now() - t0) / 1000
  for (const c of cabinets) await c.stop()
  return {
    acknowledged_per_s: Math.round((a1 - a0) / s),
    stored_per_s: Math.round((s1 - s0) / s),
    loadavg_1m: Number(loadavg()[0]?.toFixed(1)),
  }
}

/** IDLE connections spread over the three nodes; what each node's resident memory gained per connection. */
async function idlePhase(stack: Stack, secrets: Map<string, string>) {
  const pids = stack.nodes.map((_, i) => stack.beamPid(i) as number)
  const before = await Promise.all(pids.map((p) => rssBytes(p)))
  const brokers = stack.nodes.map((n) => ({ host: '127.0.0.1', port: n.mqttPort }))
  const cabinets = [...secrets].map(
    ([id, secret], i) =>
      new SpikeCabinet({
        id,
        secret,
        brokers: [...brokers.slice(i % 3), ...brokers.slice(0, i % 3)],
        window: 1,
        keepaliveS: 300,
        reconnectMs: 2000,
      }),
  )
  for (let i = 0; i < cabinets.length; i += 200) {
    for (const c of cabinets.slice(i, i + 200)) c.start()
    await sleep(500)
  }
  const deadline = Date.now() + 180_000
  while (cabinets.some((c) => !c.connected) && Date.now() < deadline) await sleep(500)
  await sleep(15_000)
  const held = cabinets.filter((c) => c.connected).length
  // a cabinet's list starts at node i % 3 (see above): its position in the list → the node
  const nodeOf = (c: SpikeCabinet, i: number) => (c.brokerIndex + (i % 3)) % 3
  const byNode = stack.nodes.map(
    (_, n) => cabinets.filter((c, i) => c.connected && nodeOf(c, i) === n).length,
  )
  const after = await Promise.all(pids.map((p) => rssBytes(p)))
  for (const c of cabinets) await c.stop()
  const gained = after.map((a, i) => (a ?? 0) - (before[i] ?? 0))
  return {
    connections: held,
    per_node: byNode,
    rss_gained_mib: gained.map((g) => Math.round(g / 1048576)),
    kib_per_connection: Math.round(gained.reduce((x, y) => x + y, 0) / Math.max(1, held) / 1024),
    loadavg_1m: Number(loadavg()[0]?.toFixed(1)),
  }
}

export async function clusterBench(): Promise<void> {
  const loadStart = loadavg()[0]
  say('starting three RabbitMQ nodes, PostgreSQL, InfluxDB and two workers')
  const stack = await startStack({
    workers: 2,
    basePort: 26100,
    configYaml: 'cluster:\n  registry_refresh_ms: 1000\n',
  })
  try {
    const ids = Array.from({ length: CABINETS }, (_, i) => `BENCH-C${String(i).padStart(5, '0')}`)
    const secrets = await register(stack, ids)
    const second = stack.workers[1]
    if (second) await stopChild(second.process)
    say(`one worker: ${CABINETS} cabinets × ${WINDOW} in flight, ${SECONDS} s`)
    const one = await ratePhase(stack, secrets, Date.now() - 7_200_000)
    await stack.startWorker(1)
    say('two workers: the same')
    const two = await ratePhase(stack, secrets, Date.now() - 3_600_000)
    say(`${IDLE} idle connections over three nodes`)
    const idleIds = Array.from({ length: IDLE }, (_, i) => `BENCH-I${String(i).padStart(5, '0')}`)
    const idle = await idlePhase(stack, await register(stack, idleIds))
    const line = JSON.stringify({
      at: new Date().toISOString(),
      cabinets: CABINETS,
      window: WINDOW,
      seconds: SECONDS,
      loadavg_1m_start: Number(loadStart?.toFixed(1)),
      one_worker: one,
      two_workers: two,
      two_over_one_stored: Number((two.stored_per_s / Math.max(1, one.stored_per_s)).toFixed(2)),
      idle,
    })
    const dir = join(ROOT, 'bench', 'results', 'cluster')
    mkdirSync(dir, { recursive: true })
    appendFileSync(join(dir, 'cluster-bench.jsonl'), `${line}\n`)
    process.stdout.write(`${line}\n`)
  } finally {
    await stack.stop()
  }
}
