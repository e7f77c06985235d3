import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Simulator } from '../firmware-sim/simulator.ts'
import { type Influxd, startInfluxd } from './lib/influxd.ts'
import { exitOf, freePort, portFree, ROOT, spawnGateway, stopChild, waitHttp } from './lib/processes.ts'

// The demo: a local InfluxDB, the gateway with its broker, and a simulated Bangkok fleet with two
// weeks of history, all on loopback; Ctrl-C (SIGINT) stops every process it started.

const DATA = join(ROOT, '.data')
const HTTP_PORT = 8080
const OPS_PORT = 9464
const MQTT_PORT = 1883

const { values: args } = parseArgs({
  options: {
    cabinets: { type: 'string', default: '300' },
    scenario: { type: 'string', default: 'default' },
    seed: { type: 'string', default: '2026' },
    'backfill-days': { type: 'string', default: '14' },
    'backfill-interval': { type: 'string', default: '1800' },
  },
})

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`)

/** The admin token lives in .data/ so a second run (and the user) can reuse it. */
function adminToken(): string {
  const file = join(DATA, 'demo-admin-token')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const token = randomBytes(24).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return token
}

async function startGateway(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
  const log = createWriteStream(join(DATA, 'gateway.log'), { flags: 'a' })
  const child = await spawnGateway({ env: { ...process.env, ...env } })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  return { child, exited: exitOf(child) }
}

/** Logs alerts as they open; stops quietly when the gateway has no alerts API yet (404). */
function watchAlerts(url: string, token: string): () => void {
  const seen = new Set<string>()
  let first = true
  const timer = setInterval(async () => {
    try {
      const res = await fetch(`${url}/api/v1/alerts?state=open`, {
        headers: { authorization: `Bearer ${token}` },
      })
      if (res.status === 404) return clearInterval(timer)
      if (res.status !== 200) return
      const body = (await res.json()) as
        | { items?: Array<Record<string, unknown>> }
        | Array<Record<string, unknown>>
      const items = Array.isArray(body) ? body : (body.items ?? [])
      const fresh = items.filter((a) => !seen.has(String(a.id)))
      for (const a of fresh) seen.add(String(a.id))
      if (first) say(`${items.length} open alerts from the backfilled history`)
      else for (const a of fresh.slice(0, 20)) say(`alert: ${a.severity} ${a.type} at ${a.cabinet_id}`)
      first = false
    } catch {
      // the gateway is stopping or busy; try again next time
    }
  }, 5_000)
  return () => clearInterval(timer)
}

async function main(): Promise<void> {
  const t0 = Date.now()
  mkdirSync(DATA, { recursive: true })
  const token = adminToken()
  let influxd: Influxd | null = null
  let gateway: Awaited<ReturnType<typeof startGateway>> | null = null
  let sim: Simulator | null = null
  let stopAlerts = () => {}
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    say('stopping…')
    stopAlerts()
    await sim?.stop(2_000).catch(() => undefined)
    if (gateway && gateway.child.exitCode === null) {
      // Ctrl-C in a terminal reaches the whole process group: the gateway is already stopping, and
      // a second signal would make it exit at once; signal it only if it is still up after a while
      await Promise.race([gateway.exited, new Promise((r) => setTimeout(r, 3_000))])
    }
    if (gateway) await stopChild(gateway.child, 15_000)
    await influxd?.stop()
    say('stopped')
    process.exit(code)
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))

  try {
    const influxPort = (await portFree(8086)) ? 8086 : await freePort()
    influxd = await startInfluxd(join(DATA, 'influxdb'), influxPort)
    say(`InfluxDB on ${influxd.url} (data in .data/influxdb)`)
    const apiUrl = `http://127.0.0.1:${HTTP_PORT}`
    gateway = await startGateway({
      AEDGW_DATA_DIR: DATA,
      AEDGW_BIND: '127.0.0.1',
      AEDGW_HTTP_PORT: String(HTTP_PORT),
      AEDGW_OPS_PORT: String(OPS_PORT),
      AEDGW_MQTT_PORT: String(MQTT_PORT),
      AEDGW_INFLUX_URL: influxd.url,
      AEDGW_ADMIN_TOKEN: token,
    })
    await waitHttp(`${apiUrl}/readyz`, {
      timeoutMs: 120_000,
      intervalMs: 200,
      status: 200,
      child: gateway.child,
      detail: () => '; see .data/gateway.log',
    })
    say(`gateway ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (log: .data/gateway.log)`)
    const days = Number(args['backfill-days'])
    sim = new Simulator({
      cabinets: Number(args.cabinets),
      mqttUrl: `mqtt://127.0.0.1:${MQTT_PORT}`,
      apiUrl,
      adminToken: token,
      seed: Number(args.seed),
      scenario: args.scenario,
      secretsFile: join(DATA, 'cabinet-secrets.json'),
      log: (line) => say(line),
    })
    await sim.setup(days)
    say(`${sim.connectedCount()} cabinets registered and connected across Bangkok's 50 districts`)
    if (days > 0) {
      const r = await sim.backfill(Number(args['backfill-interval']))
      say(`backfilled ${days} days: ${r.messages} messages in ${r.seconds.toFixed(1)} s`)
    }
    sim.startLive(null)
    say(`live: ${sim.cabinets.length} cabinets heartbeating every 60 s (scenario ${args.scenario})`)
    say(`  API            ${apiUrl}/api/v1/cabinets  (admin token in .data/demo-admin-token)`)
    say(`  console        ${apiUrl}/console/  (sign in with the admin token)`)
    say(`  OpenAPI docs   http://127.0.0.1:${OPS_PORT}/docs  (operations listener)`)
    say(`  health map     ${apiUrl}/feeds/healthmap.geojson`)
    say(`  metrics        http://127.0.0.1:${OPS_PORT}/metrics`)
    say(`  readiness      http://127.0.0.1:${OPS_PORT}/readyz  (public ${apiUrl}/readyz: status only)`)
    say(`  InfluxDB       ${influxd.url}  (database "aed")`)
    say(`  Grafana        provisioning in dashboards/ (datasource: ${influxd.url})`)
    say('Ctrl-C stops everything.')
    stopAlerts = watchAlerts(apiUrl, token)
  } catch (err) {
    process.stderr.write(`[demo] ${(err as Error).message}\n`)
    await stop(1)
  }
}

await main()
