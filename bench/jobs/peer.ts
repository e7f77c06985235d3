import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { waitForPort } from '../../scripts/cluster/common.ts'
import { captureOutput, freePort, ROOT, stopChild, waitHttp } from '../../scripts/lib/processes.ts'
import { createDatabase } from './stored.ts'

/**
 * The peer: what a city IT team would otherwise build. Debian's Mosquitto 2 with its queues
 * raised, and Node-RED 4 (bench/peer/, installed on first use) running the flow
 * mqtt in → json → function (heartbeat → point) → join (1,000 or 1 s) → influxdb batch.
 */

const PEER_DIR = join(ROOT, 'bench', 'peer')

export interface Mosquitto {
  url: string
  process: ChildProcess
  stop(): Promise<void>
}

/** Mosquitto 2 from Debian, installed with apt-get when missing (as root only). */
function ensureMosquitto(): void {
  if (spawnSync('mosquitto', ['-h'], { stdio: 'ignore' }).error === undefined) return
  if (process.getuid?.() !== 0) throw new Error('mosquitto is missing: sudo apt-get install -y mosquitto')
  for (const args of [['update'], ['install', '-y', 'mosquitto']]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'] })
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`)
  }
}

/**
 * Mosquitto on a free port on 127.0.0.1, anonymous, in memory; its queues raised so a slow
 * subscriber is given room before messages are dropped (mosquitto.conf(5): max_queued_messages
 * defaults to 1000, max_inflight_messages to 20).
 */
export async function startMosquitto(dir: string): Promise<Mosquitto> {
  ensureMosquitto()
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
log_type error
log_type warning
max_inflight_messages 1000
max_queued_messages 1000000
max_queued_bytes 0
max_connections -1
`,
  )
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  const output = captureOutput(child)
  await waitForPort(port, 10_000, `mosquitto ${output()}`)
  return { url: `mqtt://127.0.0.1:${port}`, process: child, stop: () => stopChild(child) }
}

/** bench/peer/node_modules from its package-lock.json (npm ci), once. */
function ensureNodeRed(): string {
  const red = join(PEER_DIR, 'node_modules', 'node-red', 'red.js')
  if (existsSync(red)) return red
  const r = spawnSync('npm', ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  if (r.status !== 0) throw new Error('npm ci --prefix bench/peer failed')
  return red
}

/** The flow: one broker, one InfluxDB, five nodes in a row (ids unlike any type: Node-RED reads them as references). */
function flow(mqttUrl: string, influxUrl: string, db: string): unknown[] {
  const m = new URL(mqttUrl)
  const i = new URL(influxUrl)
  const point = `const p = msg.payload
msg.payload = {
  measurement: 'heartbeat',
  tags: { cabinet: msg.topic.split('/')[2] },
  fields: { seq: p.seq, battery_pct: p.battery_pct, pad_expiry: p.pad_expiry, door_open: p.door === 'open',
    aed_present: p.aed_present, temp_c: p.temp_c, self_test: p.self_test, power: p.power, received_ms: Date.now() },
  timestamp: new Date(p.ts),
}
return msg`
  return [
    { id: 'peer-tab', type: 'tab', label: 'AED heartbeats' },
    {
      id: 'peer-broker',
      type: 'mqtt-broker',
      broker: m.hostname,
      port: m.port,
      clientid: 'node-red-peer',
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
      autoConnect: true,
    },
    {
      id: 'peer-influx',
      type: 'influxdb',
      hostname: i.hostname,
      port: i.port,
      protocol: 'http',
      database: db,
      name: db,
      usetls: false,
      influxdbVersion: '1.x',
    },
    {
      id: 'peer-in',
      type: 'mqtt in',
      z: 'peer-tab',
      topic: 'aed/v1/+/heartbeat',
      qos: '1',
      datatype: 'utf8',
      broker: 'peer-broker',
      nl: false,
      rap: true,
      inputs: 0,
      wires: [['peer-json']],
    },
    {
      id: 'peer-json',
      type: 'json',
      z: 'peer-tab',
      property: 'payload',
      action: 'obj',
      pretty: false,
      wires: [['peer-point']],
    },
    { id: 'peer-point', type: 'function', z: 'peer-tab', func: point, outputs: 1, wires: [['peer-join']] },
    {
      id: 'peer-join',
      type: 'join',
      z: 'peer-tab',
      mode: 'custom',
      build: 'array',
      property: 'payload',
      propertyType: 'msg',
      key: 'topic',
      joiner: '\\n',
      joinerType: 'str',
      accumulate: false,
      timeout: '1',
      count: '1000',
      reduceRight: false,
      wires: [['peer-batch']],
    },
    {
      id: 'peer-batch',
      type: 'influxdb batch',
      z: 'peer-tab',
      influxdb: 'peer-influx',
      precision: 'ms',
      retentionPolicy: '',
      wires: [],
    },
  ]
}

export interface NodeRed {
  process: ChildProcess
  /** The last of what it logged. */
  output(): string
  stop(): Promise<void>
}

/** Node-RED 4 with the flow, its user folder under `dir`, writing to database `db`. */
export async function startNodeRed(
  dir: string,
  mqttUrl: string,
  influxUrl: string,
  db: string,
): Promise<NodeRed> {
  const red = ensureNodeRed()
  await createDatabase(influxUrl, db)
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  writeFileSync(join(dir, 'flows.json'), JSON.stringify(flow(mqttUrl, influxUrl, db)))
  writeFileSync(
    join(dir, 'settings.js'),
    `module.exports = { uiHost: '127.0.0.1', uiPort: ${port}, flowFile: 'flows.json', credentialSecret: false,
  logging: { console: { level: 'info' } }, editorTheme: { tours: false }, telemetry: { enabled: false } }\n`,
  )
  const child = spawn(process.execPath, [red, '--userDir', dir, '--settings', join(dir, 'settings.js')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = captureOutput(child)
  await waitHttp(`http://127.0.0.1:${port}/`, { child, timeoutMs: 60_000, detail: () => `: ${output()}` })
  // connected to the broker and subscribed once its log says so
  const until = Date.now() + 20_000
  while (!/Connected to broker/.test(output()) && Date.now() < until)
    await new Promise((r) => setTimeout(r, 100))
  return { process: child, output, stop: () => stopChild(child) }
}
