import type { ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { rssBytes } from '../../scripts/cluster/common.ts'
import { freePort, spawnGateway, stopChild, waitHttp } from '../../scripts/lib/processes.ts'
import { ADMIN, benchId, type Cred, PROBES } from '../settings.ts'

export interface BenchGateway {
  process: ChildProcess
  httpUrl: string
  mqttUrl: string
  /** The load's cabinets, registered across the 50 districts. */
  creds: Cred[]
  /** The door-open probe cabinets. */
  probes: Cred[]
  pid: number
  /** The Prometheus text of /metrics now. */
  metrics(): Promise<string>
  stop(): Promise<void>
}

/** NODE_OPTIONS for a gateway the bench starts: the collect-on-SIGUSR2 hook (bench/gc-hook.mjs) added. */
export function withGcHook(): string {
  const hook = new URL('../gc-hook.mjs', import.meta.url).href
  return `${process.env.NODE_OPTIONS ?? ''} --import ${hook}`.trim()
}

/**
 * Resident bytes of process `pid` once its main isolate has collected all it can (a gateway
 * started with withGcHook()): SIGUSR2, then a pause for the collection to finish.
 */
export async function rssAfterGc(pid: number): Promise<number> {
  try {
    process.kill(pid, 'SIGUSR2')
  } catch {
    return Number.NaN
  }
  await new Promise((r) => setTimeout(r, 2000))
  return (await rssBytes(pid)) ?? Number.NaN
}

/** BENCH_MAX_IN_FLIGHT: the gateway's mqtt.max_in_flight for a comparison (default: its own). */
export function maxInFlight(): string {
  const n = process.env.BENCH_MAX_IN_FLIGHT
  return n ? `  max_in_flight: ${Number(n)}\n` : ''
}

/**
 * The gateway as `npm start` runs it, on free ports with its data under `dir`, writing to the
 * `db` database of `influxUrl` and sending its alert webhooks to `webhookUrl`; the rate limit
 * and the per-address connect limit are lifted so the load measures the pipeline, not the limiter.
 */
export async function startBenchGateway(
  dir: string,
  influxUrl: string,
  webhookUrl: string,
  cabinets: number,
  db = 'ours',
): Promise<BenchGateway> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()]
  mkdirSync(dir, { recursive: true })
  const cfg = join(dir, 'bench.yaml')
  // the whole fleet connects from a few loopback addresses, which the per-address connect
  // limit (made for one real address per cabinet or per NAT) would otherwise refuse
  writeFileSync(
    cfg,
    `log_level: warn\nmqtt:\n  rate:\n    per_second: 1000000\n    burst: 1000000\n  connect_rate:\n    per_address_burst: 1000000\n${maxInFlight()}`,
  )
  const child = await spawnGateway({
    env: {
      ...process.env,
      AEDGW_CONFIG: cfg,
      AEDGW_DATA_DIR: join(dir, 'gw'),
      AEDGW_INFLUX_URL: influxUrl,
      AEDGW_INFLUX_DB: db,
      AEDGW_ADMIN_TOKEN: ADMIN,
      AEDGW_MQTT_PORT: String(mqttPort),
      AEDGW_HTTP_PORT: String(httpPort),
      AEDGW_BIND: '127.0.0.1',
      AEDGW_WEBHOOK_URL: webhookUrl,
      // webhooks are signed unless configured otherwise
      AEDGW_WEBHOOK_SECRET: 'bench-webhook-secret',
      AEDGW_OPS_PORT: '0',
      NODE_OPTIONS: withGcHook(),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const httpUrl = `http://127.0.0.1:${httpPort}`
  await waitHttp(`${httpUrl}/readyz`, { child })
  const register = async (id: string, district: string): Promise<Cred> => {
    const res = await fetch(`${httpUrl}/api/v1/cabinets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: id, lat: 13.75, lon: 100.5, district_code: district }),
    })
    return { id, secret: ((await res.json()) as { secret: string }).secret }
  }
  // registered 64 at a time: 19,000 cabinets one by one would take minutes
  const creds: Cred[] = []
  for (let i = 0; i < cabinets; i += 64)
    creds.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(64, cabinets - i) }, (_, k) =>
          register(benchId(i + k), String(1001 + ((i + k) % 50))),
        ),
      )),
    )
  const probes: Cred[] = []
  for (let i = 0; i < PROBES; i++) probes.push(await register(`PROBE-${String(i).padStart(4, '0')}`, '1047'))
  return {
    process: child,
    pid: child.pid ?? -1,
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    creds,
    probes,
    // the public port serves /metrics to a token (the operations listener needs none)
    metrics: async () =>
      (await fetch(`${httpUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text(),
    stop: () => stopChild(child),
  }
}

/**
 * `startBenchGateway`, with a CPU profile of the gateway written to `BENCH_PROFILE` when set
 * (bench/cpu-profile.mjs preloaded into the gateway only: the load processes started after it
 * get NODE_OPTIONS back as it was).
 */
export async function startProfiledGateway(
  dir: string,
  influxUrl: string,
  webhookUrl: string,
  cabinets: number,
): ReturnType<typeof startBenchGateway> {
  const profileDir = process.env.BENCH_PROFILE ? resolve(process.env.BENCH_PROFILE) : null
  const nodeOptions = process.env.NODE_OPTIONS
  if (profileDir) {
    mkdirSync(profileDir, { recursive: true })
    const preload = new URL('../cpu-profile.mjs', import.meta.url).href
    process.env.NODE_OPTIONS = `${nodeOptions ?? ''} --import ${preload}`.trim()
    process.env.BENCH_PROFILE_OUT = profileDir
  }
  try {
    return await startBenchGateway(dir, influxUrl, webhookUrl, cabinets)
  } finally {
    if (nodeOptions === undefined) delete process.env.NODE_OPTIONS
    else process.env.NODE_OPTIONS = nodeOptions
  }
}
