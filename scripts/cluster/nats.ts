/**
 * A three-node NATS 2.9 cluster on loopback for the broker-tier spike: JetStream (file storage)
 * and MQTT on every node, MQTT's own streams replicated three ways.
 *
 *   npx tsx scripts/cluster/nats.ts start [--dir D] [--base-port P]
 *   npx tsx scripts/cluster/nats.ts stop  [--dir D]
 *
 * Ports: node i (1..3) NATS client P+10i, MQTT P+10i+1, cluster routes P+10i+2, monitoring P+10i+3.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { alive, waitForPort } from './common.ts'

export interface NatsNode {
  name: string
  clientPort: number
  mqttPort: number
  routePort: number
  httpPort: number
  dir: string
}

export interface NatsClusterOptions {
  dir: string
  basePort: number
}

export const DEFAULTS = { dir: '/tmp/aedgw-nats-cluster', basePort: 23200 }

export function natsNodes(o: NatsClusterOptions): NatsNode[] {
  return [1, 2, 3].map((i) => ({
    name: `n${i}`,
    clientPort: o.basePort + 10 * i,
    mqttPort: o.basePort + 10 * i + 1,
    routePort: o.basePort + 10 * i + 2,
    httpPort: o.basePort + 10 * i + 3,
    dir: join(o.dir, `n${i}`),
  }))
}

function nodeConfig(all: NatsNode[], n: NatsNode): string {
  const routes = all.map((r) => `nats-route://127.0.0.1:${r.routePort}`).join(', ')
  return `server_name: ${n.name}
listen: 127.0.0.1:${n.clientPort}
http: 127.0.0.1:${n.httpPort}
pid_file: "${join(n.dir, 'nats.pid')}"
max_connections: 100000
jetstream {
  store_dir: "${join(n.dir, 'js')}"
  max_memory_store: 1GB
  max_file_store: 8GB
}
cluster {
  name: aed
  listen: 127.0.0.1:${n.routePort}
  routes: [${routes}]
}
mqtt {
  listen: 127.0.0.1:${n.mqttPort}
  # MQTT's sessions, retained and QoS 1 message streams: R3, so any one node may be lost
  stream_replicas: 3
}
`
}

export function natsPid(n: NatsNode): number | null {
  const file = join(n.dir, 'nats.pid')
  if (!existsSync(file)) return null
  const pid = Number(readFileSync(file, 'utf8').trim())
  return pid > 0 && alive(pid) ? pid : null
}

/** Starts one node (again, after a kill: same folder, same config). */
export function startNatsNode(all: NatsNode[], n: NatsNode): void {
  mkdirSync(n.dir, { recursive: true })
  const conf = join(n.dir, 'nats.conf')
  writeFileSync(conf, nodeConfig(all, n))
  const out = openSync(join(n.dir, 'nats.log'), 'a')
  const child = spawn('nats-server', ['-c', conf], { stdio: ['ignore', out, out], detached: true })
  closeSync(out)
  child.unref()
}

/** Resolves when every node answers /healthz (JetStream meta leader elected, streams current). */
export async function startNatsCluster(o: NatsClusterOptions): Promise<NatsNode[]> {
  try {
    return await formCluster(o)
  } catch (err) {
    await stopNatsCluster(o)
    throw err
  }
}

async function formCluster(o: NatsClusterOptions): Promise<NatsNode[]> {
  const nodes = natsNodes(o)
  for (const n of nodes) startNatsNode(nodes, n)
  for (const n of nodes) await waitForPort(n.mqttPort, 60_000, n.name)
  const until = Date.now() + 60_000
  for (const n of nodes) {
    while (true) {
      const ok = await fetch(`http://127.0.0.1:${n.httpPort}/healthz`)
        .then((r) => r.ok)
        .catch(() => false)
      if (ok) break
      if (Date.now() > until) throw new Error(`${n.name}: JetStream not healthy after 60 s`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  return nodes
}

export async function stopNatsCluster(o: NatsClusterOptions): Promise<void> {
  for (const n of natsNodes(o)) {
    const pid = natsPid(n)
    if (pid === null) continue
    process.kill(pid, 'SIGTERM')
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: DEFAULTS.dir },
      'base-port': { type: 'string', default: String(DEFAULTS.basePort) },
    },
  })
  const o = { dir: resolve(values.dir), basePort: Number(values['base-port']) }
  if (positionals[0] === 'start') {
    for (const n of await startNatsCluster(o))
      process.stdout.write(`${n.name} nats=127.0.0.1:${n.clientPort} mqtt=127.0.0.1:${n.mqttPort}\n`)
  } else if (positionals[0] === 'stop') {
    await stopNatsCluster(o)
  } else {
    process.stderr.write('usage: nats.ts start|stop [--dir D] [--base-port P]\n')
    process.exitCode = 2
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
