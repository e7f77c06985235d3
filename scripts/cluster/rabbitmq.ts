/**
 * A three-node RabbitMQ 3.10 cluster on loopback for the broker-tier spike: MQTT plugin, quorum
 * queues, and (when an endpoint is given) cabinet login and topic authorisation through
 * rabbitmq_auth_backend_http behind rabbitmq_auth_backend_cache.
 *
 *   npx tsx scripts/cluster/rabbitmq.ts start [--dir D] [--base-port P] [--auth-url URL]
 *   npx tsx scripts/cluster/rabbitmq.ts stop  [--dir D] [--base-port P]
 *
 * Ports: epmd on P+9 (its own, not the shared 4369); node i (1..3) AMQP P+10i, MQTT P+10i+1,
 * Erlang distribution P+10i+2. Debian's wrapper runs every node as user `rabbitmq`, so the
 * node folders are created and handed to that user.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { alive, run, waitForPort } from './common.ts'

export interface RabbitNode {
  name: string
  amqpPort: number
  mqttPort: number
  distPort: number
  dir: string
}

export interface RabbitClusterOptions {
  dir: string
  basePort: number
  /** Base URL of the gateway's broker-auth routes, e.g. http://127.0.0.1:8080/internal/broker-auth */
  authUrl?: string
  /** The gateway's own AMQP account (internal backend): declares and consumes the ingest queue. */
  user: string
  password: string
  /** How long a login or topic decision is cached (rabbitmq_auth_backend_cache). */
  authCacheTtlMs?: number
}

/** Connections a node can hold are bounded by this (and by the machine's hard limit). */
const MAX_OPEN_FILES = 20_000

export const DEFAULTS = {
  dir: '/tmp/aedgw-rabbitmq-cluster',
  basePort: 23100,
  user: 'aedgw',
  password: 'aedgw-spike',
}

export function rabbitNodes(o: Pick<RabbitClusterOptions, 'dir' | 'basePort'>): RabbitNode[] {
  return [1, 2, 3].map((i) => ({
    name: `n${i}@localhost`,
    amqpPort: o.basePort + 10 * i,
    mqttPort: o.basePort + 10 * i + 1,
    distPort: o.basePort + 10 * i + 2,
    dir: join(o.dir, `n${i}`),
  }))
}

function rabbitUid(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('rabbitmq:'))
  if (!line) throw new Error('no user rabbitmq: install Debian package rabbitmq-server')
  const f = line.split(':')
  return { uid: Number(f[2]), gid: Number(f[3]) }
}

function nodeConfig(o: RabbitClusterOptions, n: RabbitNode): string {
  const lines = [
    `listeners.tcp.default = 127.0.0.1:${n.amqpPort}`,
    `mqtt.listeners.tcp.default = 127.0.0.1:${n.mqttPort}`,
    'mqtt.allow_anonymous = false',
    'mqtt.vhost = /',
    'mqtt.exchange = amq.topic',
    // a cabinet's own subscription (cmd) in a persistent session lives in a quorum queue too
    'mqtt.durable_queue_type = quorum',
    'mqtt.tcp_listen_options.backlog = 4096',
    `default_user = ${o.user}`,
    `default_pass = ${o.password}`,
    'default_user_tags.administrator = true',
    'loopback_users = none',
    'log.console = false',
    'log.file.level = warning',
  ]
  if (o.authUrl) {
    lines.push(
      // the gateway's own account first, then cabinets through the cached HTTP backend
      'auth_backends.1 = internal',
      'auth_backends.2 = cache',
      'auth_cache.cached_backend = http',
      `auth_cache.cache_ttl = ${o.authCacheTtlMs ?? 60_000}`,
      'auth_http.http_method = post',
      `auth_http.user_path = ${o.authUrl}/user`,
      `auth_http.vhost_path = ${o.authUrl}/vhost`,
      `auth_http.resource_path = ${o.authUrl}/resource`,
      `auth_http.topic_path = ${o.authUrl}/topic`,
    )
  }
  return `${lines.join('\n')}\n`
}

function nodeEnv(o: RabbitClusterOptions, n: RabbitNode): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ERL_EPMD_PORT: String(o.basePort + 9),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    // Erlang distribution on loopback only
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_NODENAME: n.name,
    RABBITMQ_DIST_PORT: String(n.distPort),
    RABBITMQ_BASE: n.dir,
    RABBITMQ_CONFIG_FILE: join(n.dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(n.dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(n.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(n.dir, 'log'),
    RABBITMQ_PID_FILE: join(n.dir, 'beam.pid'),
  }
}

/** rabbitmqctl against one node of this cluster (same epmd port, same cookie). */
export function ctl(o: Pick<RabbitClusterOptions, 'basePort'>, node: string, args: string[]) {
  return run('rabbitmqctl', ['-n', node, ...args], {
    PATH: process.env.PATH,
    ERL_EPMD_PORT: String(o.basePort + 9),
  })
}

/** The beam.smp process of a running node (the one a kill -9 must hit). */
export function beamPid(n: RabbitNode): number | null {
  const file = join(n.dir, 'beam.pid')
  if (!existsSync(file)) return null
  const pid = Number(readFileSync(file, 'utf8').trim())
  return pid > 0 && alive(pid) ? pid : null
}

function startNode(o: RabbitClusterOptions, n: RabbitNode): ChildProcess {
  const { uid, gid } = rabbitUid()
  for (const d of [n.dir, join(n.dir, 'mnesia'), join(n.dir, 'log')]) {
    mkdirSync(d, { recursive: true })
    chownSync(d, uid, gid)
  }
  writeFileSync(join(n.dir, 'rabbitmq.conf'), nodeConfig(o, n))
  writeFileSync(
    join(n.dir, 'enabled_plugins'),
    '[rabbitmq_mqtt,rabbitmq_auth_backend_http,rabbitmq_auth_backend_cache].\n',
  )
  for (const f of ['rabbitmq.conf', 'enabled_plugins']) chownSync(join(n.dir, f), uid, gid)
  const out = openSync(join(n.dir, 'console.log'), 'a')
  // Debian's wrapper (/usr/sbin/rabbitmq-server) switches to user rabbitmq through su, whose PAM
  // session resets the open-files limit to 1024: too few for thousands of MQTT connections. The
  // node is started as rabbitmq with setpriv instead (no PAM), with the limit raised first.
  const script = `ulimit -n ${MAX_OPEN_FILES} && exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server`
  const child = spawn('sh', ['-c', script], {
    env: { ...nodeEnv(o, n), HOME: '/var/lib/rabbitmq' },
    cwd: '/var/lib/rabbitmq',
    stdio: ['ignore', out, out],
    detached: true,
  })
  closeSync(out)
  return child
}

/** Starts n1, then n2 and n3, joins them to n1; resolves when all three run the MQTT listener. */
export async function startRabbitCluster(o: RabbitClusterOptions): Promise<RabbitNode[]> {
  try {
    return await formCluster(o)
  } catch (err) {
    await stopRabbitCluster(o)
    throw err
  }
}

async function formCluster(o: RabbitClusterOptions): Promise<RabbitNode[]> {
  const nodes = rabbitNodes(o)
  for (const n of nodes) startNode(o, n).unref()
  // a node with the MQTT plugin boots in ~10 s on an idle machine; far longer on a loaded one
  for (const n of nodes) await waitForPort(n.mqttPort, 300_000, n.name)
  for (const n of nodes.slice(1)) {
    const status = await ctl(o, n.name, ['cluster_status', '--formatter', 'json'])
    if (status.stdout.includes(nodes[0]!.name)) continue
    await ctl(o, n.name, ['stop_app'])
    await ctl(o, n.name, ['join_cluster', nodes[0]!.name])
    await ctl(o, n.name, ['start_app'])
    await waitForPort(n.mqttPort, 300_000, n.name)
  }
  return nodes
}

/** Stops every node still running (rabbitmqctl stop), then this cluster's own epmd. */
export async function stopRabbitCluster(o: Pick<RabbitClusterOptions, 'dir' | 'basePort'>): Promise<void> {
  for (const n of rabbitNodes(o)) {
    const pid = beamPid(n)
    // without a pid file (folder gone) the node may still run: ask it by name all the same
    await ctl(o, n.name, ['stop']).catch((err: Error) => {
      if (pid !== null) process.stderr.write(`${n.name}: ${err.message}\n`)
    })
    // rabbitmqctl stop can answer before the VM is gone
    for (let i = 0; i < 300 && pid !== null && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
  }
  await run('epmd', ['-port', String(o.basePort + 9), '-kill'], process.env).catch(() => undefined)
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: DEFAULTS.dir },
      'base-port': { type: 'string', default: String(DEFAULTS.basePort) },
      'auth-url': { type: 'string' },
    },
  })
  const o: RabbitClusterOptions = {
    dir: resolve(values.dir),
    basePort: Number(values['base-port']),
    user: DEFAULTS.user,
    password: DEFAULTS.password,
    ...(values['auth-url'] ? { authUrl: values['auth-url'] } : {}),
  }
  if (positionals[0] === 'start') {
    const nodes = await startRabbitCluster(o)
    for (const n of nodes)
      process.stdout.write(`${n.name} amqp=127.0.0.1:${n.amqpPort} mqtt=127.0.0.1:${n.mqttPort}\n`)
  } else if (positionals[0] === 'stop') {
    await stopRabbitCluster(o)
  } else {
    process.stderr.write('usage: rabbitmq.ts start|stop [--dir D] [--base-port P] [--auth-url URL]\n')
    process.exitCode = 2
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
