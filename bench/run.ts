import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { GATEWAY_NODE_FLAGS } from '../scripts/gateway-flags.ts'
import { freePort, startInfluxd } from '../scripts/influxd.ts'

/**
 * `npm run bench`: heartbeat throughput of the gateway (acknowledged, then stored in a real
 * InfluxDB) against a bare aedes broker given the same load in the same run, as a ratio.
 * Env: BENCH_CABINETS (400), BENCH_LOADERS (2), BENCH_WINDOW (8 in flight per cabinet),
 * BENCH_SECONDS (15).
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CABINETS = Number(process.env.BENCH_CABINETS ?? 400)
const LOADERS = Number(process.env.BENCH_LOADERS ?? 2)
const WINDOW = Number(process.env.BENCH_WINDOW ?? 8)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)
const ADMIN = 'bench-admin-token-0123456789'
const PROBES = Number(process.env.BENCH_PROBES ?? 100)

interface LoadResult {
  acked: number
  errors: number
  seconds: number
  p50_us: number
  p99_us: number
  max_us: number
}

function spawnTs(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const flags = script === 'gateway/main.ts' ? GATEWAY_NODE_FLAGS : []
  return spawn(process.execPath, [...flags, '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
}

function lines(child: ChildProcess): AsyncIterableIterator<string> {
  return createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
}

async function waitHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} not up within ${timeoutMs} ms`)
}

/** Runs LOADERS load processes against url with the given credentials; sums their results. */
async function runLoad(
  url: string,
  creds: Array<{ id: string; secret: string }>,
  dir: string,
  mode = String(WINDOW),
): Promise<LoadResult> {
  const children: ChildProcess[] = []
  const its: AsyncIterableIterator<string>[] = []
  for (let i = 0; i < LOADERS; i++) {
    const file = join(dir, `creds-${i}.json`)
    writeFileSync(file, JSON.stringify(creds.filter((_, k) => k % LOADERS === i)))
    const child = spawnTs('bench/load-worker.ts', [url, file, String(SECONDS), mode, ''])
    children.push(child)
    its.push(lines(child))
  }
  for (const it of its) await it.next() // ready
  const results = await Promise.all(
    its.map(async (it) => JSON.parse((await it.next()).value as string) as LoadResult),
  )
  return {
    acked: results.reduce((n, r) => n + r.acked, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    p50_us: Math.max(...results.map((r) => r.p50_us)),
    p99_us: Math.max(...results.map((r) => r.p99_us)),
    max_us: Math.max(...results.map((r) => r.max_us)),
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

async function countStored(influxUrl: string, db: string): Promise<number> {
  const q = new URLSearchParams({ db, q: 'SELECT count(seq) FROM heartbeat' })
  const json = (await (await fetch(`${influxUrl}/query?${q}`)).json()) as {
    results: Array<{ series?: Array<{ values: number[][] }> }>
  }
  return json.results[0]?.series?.[0]?.values[0]?.[1] ?? 0
}

async function baseline(dir: string): Promise<LoadResult> {
  const port = await freePort()
  const broker = spawnTs('bench/bare-broker.ts', [String(port)])
  await lines(broker).next()
  const creds = Array.from({ length: CABINETS }, (_, i) => ({
    id: `BENCH-${String(i).padStart(5, '0')}`,
    secret: 'x',
  }))
  try {
    return await runLoad(`mqtt://127.0.0.1:${port}`, creds, dir)
  } finally {
    await stop(broker)
  }
}

/** A local webhook receiver: records when each cabinet's first aed_in_use notification arrives. */
async function webhookReceiver(): Promise<{ url: string; arrivals: Map<string, number>; close(): void }> {
  const arrivals = new Map<string, number>()
  const server = createHttpServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString()
    })
    req.on('end', () => {
      const at = performance.now()
      try {
        const n = JSON.parse(body) as { alerts?: Array<{ cabinet_id: string; type: string; status: string }> }
        for (const a of n.alerts ?? []) {
          if (a.type === 'aed_in_use' && a.status === 'firing' && !arrivals.has(a.cabinet_id))
            arrivals.set(a.cabinet_id, at)
        }
      } catch {
        // not a notification
      }
      res.statusCode = 204
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, close: () => server.close() }
}

/**
 * Door opened and AED removed → webhook delivered, while the gateway carries `rate` heartbeats a
 * second: one probe cabinet per measurement, every 100 ms.
 */
async function doorToWebhook(
  mqttUrl: string,
  probes: Array<{ id: string; secret: string }>,
  hook: Awaited<ReturnType<typeof webhookReceiver>>,
) {
  const clients = await Promise.all(
    probes.map((p) =>
      mqtt.connectAsync(mqttUrl, {
        clientId: p.id,
        username: p.id,
        password: p.secret,
        protocolVersion: 4,
        reconnectPeriod: 0,
      }),
    ),
  )
  const ts = Date.now()
  await Promise.all(
    clients.map((c, i) =>
      c.publishAsync(
        `aed/v1/${probes[i]?.id}/heartbeat`,
        JSON.stringify({
          ts,
          seq: 0,
          battery_pct: 90,
          pad_expiry: '2027-05-01',
          door: 'closed',
          aed_present: true,
        }),
        { qos: 1 },
      ),
    ),
  )
  const sent = new Map<string, number>()
  for (const [i, c] of clients.entries()) {
    const id = (probes[i] as { id: string }).id
    sent.set(id, performance.now())
    c.publish(`aed/v1/${id}/event`, JSON.stringify({ ts: Date.now(), seq: 1, type: 'aed_removed' }), {
      qos: 1,
    })
    await new Promise((r) => setTimeout(r, 100))
  }
  const deadline = performance.now() + 10_000
  while (hook.arrivals.size < probes.length && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50))
  await Promise.all(clients.map((c) => c.endAsync(true)))
  const latencies = [...sent].flatMap(([id, t0]) => {
    const at = hook.arrivals.get(id)
    return at === undefined ? [] : [at - t0]
  })
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    Number(
      (
        latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN
      ).toFixed(1),
    )
  return {
    probes: probes.length,
    delivered: latencies.length,
    p50_ms: pct(50),
    p99_ms: pct(99),
    max_ms: pct(100),
  }
}

async function gateway(dir: string, influxUrl: string) {
  const [mqttPort, httpPort] = [await freePort(), await freePort()]
  const hook = await webhookReceiver()
  const cfg = join(dir, 'bench.yaml')
  writeFileSync(cfg, 'log_level: warn\nmqtt:\n  rate:\n    per_second: 1000000\n    burst: 1000000\n')
  const gw = spawnTs('gateway/main.ts', [], {
    AEDGW_CONFIG: cfg,
    AEDGW_DATA_DIR: join(dir, 'gw'),
    AEDGW_INFLUX_URL: influxUrl,
    AEDGW_INFLUX_DB: 'bench',
    AEDGW_ADMIN_TOKEN: ADMIN,
    AEDGW_MQTT_PORT: String(mqttPort),
    AEDGW_HTTP_PORT: String(httpPort),
    AEDGW_BIND: '127.0.0.1',
    AEDGW_WEBHOOK_URL: hook.url,
    AEDGW_WEBHOOK_SECRET: 'bench-webhook-secret',
  })
  const http = `http://127.0.0.1:${httpPort}`
  await waitHttp(`${http}/readyz`)
  const register = async (id: string, district: string) => {
    const res = await fetch(`${http}/api/v1/cabinets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: id, lat: 13.75, lon: 100.5, district_code: district }),
    })
    return { id, secret: ((await res.json()) as { secret: string }).secret }
  }
  const creds: Array<{ id: string; secret: string }> = []
  for (let i = 0; i < CABINETS; i++)
    creds.push(await register(`BENCH-${String(i).padStart(5, '0')}`, String(1001 + (i % 50))))
  const probes: Array<{ id: string; secret: string }> = []
  for (let i = 0; i < PROBES; i++) probes.push(await register(`PROBE-${String(i).padStart(4, '0')}`, '1047'))
  const started = performance.now()
  const load = await runLoad(`mqtt://127.0.0.1:${mqttPort}`, creds, dir)
  let stored = 0
  for (;;) {
    stored = await countStored(influxUrl, 'bench')
    if (stored >= load.acked || performance.now() - started > (SECONDS + 300) * 1000) break
    await new Promise((r) => setTimeout(r, 200))
  }
  const storedSeconds = (performance.now() - started) / 1000
  const metrics = await (
    await fetch(`${http}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
  ).text()
  const rss = Number(/aedgw_process_resident_memory_bytes (\d+)/.exec(metrics)?.[1] ?? 0)
  // half of the measured maximum, open loop, with the door-open probes alongside
  const halfRate = Math.round(load.acked / load.seconds / 2)
  const [half, door] = await Promise.all([
    runLoad(`mqtt://127.0.0.1:${mqttPort}`, creds, dir, `rate:${Math.round(halfRate / LOADERS)}`),
    new Promise((r) => setTimeout(r, 2000)).then(() =>
      doorToWebhook(`mqtt://127.0.0.1:${mqttPort}`, probes, hook),
    ),
  ])
  // event-loop delay over the half-load phase (prom-client resets its histogram at each scrape)
  const after = await (
    await fetch(`${http}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
  ).text()
  const lag = (q: string) =>
    Number(
      new RegExp(`^aedgw_nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(after)?.[1] ?? Number.NaN,
    ) * 1000
  const loop = { p99_ms: Number(lag('p99').toFixed(1)), max_ms: Number(lag('max').toFixed(1)) }
  await stop(gw)
  hook.close()
  return { load, stored, storedSeconds, rssBytes: rss, halfRate, half, door, loop }
}

const dir = mkdtempSync(join(tmpdir(), 'aedgw-bench-'))
const influxd = await startInfluxd(join(dir, 'influxdb'))
try {
  const base = await baseline(dir)
  const gw = await gateway(dir, influxd.url)
  const baseRate = base.acked / base.seconds
  const ackRate = gw.load.acked / gw.load.seconds
  const storedRate = gw.stored / gw.storedSeconds
  const report = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    load: {
      cabinets: CABINETS,
      loaders: LOADERS,
      in_flight_per_cabinet: WINDOW,
      seconds: SECONDS,
      source: '127.0.0.1 (one address)',
    },
    baseline_bare_aedes: {
      acked_per_s: Math.round(baseRate),
      p50_ms: base.p50_us / 1000,
      p99_ms: base.p99_us / 1000,
    },
    gateway: {
      acked_per_s: Math.round(ackRate),
      stored_per_s: Math.round(storedRate),
      acked: gw.load.acked,
      stored: gw.stored,
      lost: gw.load.acked - Math.min(gw.stored, gw.load.acked),
      p50_ms: gw.load.p50_us / 1000,
      p99_ms: gw.load.p99_us / 1000,
      rss_mib: Math.round(gw.rssBytes / 2 ** 20),
    },
    ratio_acked_vs_bare_aedes: Number((ackRate / baseRate).toFixed(3)),
    door_to_webhook: {
      background_heartbeats_per_s: gw.halfRate,
      background_acked_per_s: Math.round(gw.half.acked / gw.half.seconds),
      ...gw.door,
      event_loop_delay_p99_ms: gw.loop.p99_ms,
      event_loop_delay_max_ms: gw.loop.max_ms,
    },
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  const stamp = report.date.replace(/[:.]/g, '-')
  writeFileSync(join(ROOT, 'bench', 'results', `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
  const md = `# Benchmark ${report.date}

Machine: ${report.machine.cores} cores, ${report.machine.memory_gib} GiB, Node ${report.machine.node}; load generators on the same machine.
Load: ${CABINETS} cabinets over ${LOADERS} processes from one loopback address, ${WINDOW} QoS 1 heartbeats in flight per cabinet, ${SECONDS} s.

| | acked/s | stored/s | p50 PUBACK | p99 PUBACK |
| --- | ---: | ---: | ---: | ---: |
| bare aedes (baseline, in memory, no auth) | ${report.baseline_bare_aedes.acked_per_s} | n/a | ${report.baseline_bare_aedes.p50_ms} ms | ${report.baseline_bare_aedes.p99_ms} ms |
| gateway (auth, ACL, validation, fsync'd outbox, InfluxDB) | ${report.gateway.acked_per_s} | ${report.gateway.stored_per_s} | ${report.gateway.p50_ms} ms | ${report.gateway.p99_ms} ms |

Ratio gateway / bare aedes (acked): **${report.ratio_acked_vs_bare_aedes}**. Acknowledged ${report.gateway.acked}, stored ${report.gateway.stored}, lost ${report.gateway.lost}. Gateway RSS at the end: ${report.gateway.rss_mib} MiB.

Door opened (AED removed) → webhook delivered, at half the measured maximum (${report.door_to_webhook.background_heartbeats_per_s} heartbeats/s offered, ${report.door_to_webhook.background_acked_per_s} acked/s): ${report.door_to_webhook.delivered} of ${report.door_to_webhook.probes} delivered, p50 ${report.door_to_webhook.p50_ms} ms, p99 ${report.door_to_webhook.p99_ms} ms, max ${report.door_to_webhook.max_ms} ms. Gateway event-loop delay meanwhile: p99 ${report.door_to_webhook.event_loop_delay_p99_ms} ms, max ${report.door_to_webhook.event_loop_delay_max_ms} ms.
`
  writeFileSync(join(ROOT, 'bench', 'results', `${stamp}.md`), md)
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), md)
  process.stdout.write(md)
} finally {
  await influxd.stop()
  rmSync(dir, { recursive: true, force: true })
}
