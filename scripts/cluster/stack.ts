/**
 * Cluster mode on loopback, for `npm run cluster`, its tests and its benchmark: three RabbitMQ
 * nodes (MQTT plugin, quorum queue), PostgreSQL 15, InfluxDB (given, or a throwaway one) and N
 * gateway workers, each its own process (`mode: worker`), so a test can SIGKILL one.
 *
 * RabbitMQ asks one URL who may connect (rabbitmq_auth_backend_http); here that URL is a small
 * proxy that passes each question to the first worker whose internal listener answers, as a load
 * balancer in front of the workers would in production. Every worker gets the same secret-hashing
 * key (hash.key in its data dir): the registry's hashes in PostgreSQL are made with it.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Influxd, startTempInfluxd } from '../lib/influxd.ts'
import { type Postgres, startTempPostgres } from '../lib/postgres.ts'
import {
  captureOutput,
  exitOf,
  freePort,
  GATEWAY_ENTRY,
  spawnTs,
  stopChild,
  waitHttp,
} from '../lib/processes.ts'
import {
  beamPid,
  type RabbitClusterOptions,
  type RabbitNode,
  startRabbitCluster,
  stopRabbitCluster,
} from './rabbitmq.ts'

export interface StackOptions {
  workers: number
  /** RabbitMQ's ports start here (scripts/cluster/rabbitmq.ts); one stack per base port. */
  basePort: number
  /** An InfluxDB to use; a throwaway one is started when omitted. */
  influxUrl?: string
  influxDb?: string
  /** Extra AEDGW_* variables and a YAML config merged into every worker's. */
  env?: Record<string, string>
  configYaml?: string
  authCacheTtlMs?: number
}

export interface WorkerProcess {
  index: number
  process: ChildProcess
  internalPort: number
  /** The worker's public REST API. */
  apiPort: number
  output(): string
  exited: Promise<number | string>
}

export interface Stack {
  nodes: RabbitNode[]
  amqpUrls: string[]
  mqttUrls: string[]
  postgres: Postgres
  postgresUrl: string
  influxUrl: string
  influxDb: string
  /** The secret-hashing key every worker has. */
  hashKey: Buffer
  workers: WorkerProcess[]
  rabbit: RabbitClusterOptions
  /** Starts worker `index` again (after a kill), on the same internal port and data dir. */
  startWorker(index: number): Promise<WorkerProcess>
  beamPid(node: number): number | null
  stop(): Promise<void>
}

const AMQP_USER = 'aedgw'

export async function startStack(o: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-cluster-'))
  // the RabbitMQ nodes run as user rabbitmq and must reach their folders inside
  chmodSync(dir, 0o755)
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dir, { recursive: true, force: true })]
  const stop = async () => {
    for (let c = cleanups.pop(); c; c = cleanups.pop()) await Promise.resolve(c()).catch(() => undefined)
  }
  try {
    const postgres = await startTempPostgres()
    cleanups.push(() => postgres.stop())
    const postgresUrl = await postgres.createDatabase('aedgw')
    let influxUrl = o.influxUrl
    if (!influxUrl) {
      const influxd: Influxd = await startTempInfluxd()
      cleanups.push(() => influxd.stop())
      influxUrl = influxd.url
    }
    const influxDb = o.influxDb ?? 'aedgw'
    const hashKey = randomBytes(32)
    const internalPorts = await Promise.all(Array.from({ length: o.workers }, () => freePort()))
    const apiPorts = await Promise.all(Array.from({ length: o.workers }, () => freePort()))
    const proxy = await startAuthProxy(internalPorts)
    cleanups.push(() => new Promise<void>((r) => proxy.server.close(() => r())))
    const rabbit: RabbitClusterOptions = {
      dir: join(dir, 'rabbitmq'),
      basePort: o.basePort,
      user: AMQP_USER,
      password: randomBytes(12).toString('hex'),
      authUrl: `${proxy.url}/internal/broker-auth`,
      authCacheTtlMs: o.authCacheTtlMs ?? 60_000,
    }
    // a cluster left running on these ports (an interrupted run) would answer instead
    await stopRabbitCluster(rabbit)
    const nodes = await startRabbitCluster(rabbit)
    cleanups.push(() => stopRabbitCluster(rabbit))
    const amqpUrls = nodes.map((n) => `amqp://${AMQP_USER}:${rabbit.password}@127.0.0.1:${n.amqpPort}`)
    const mqttUrls = nodes.map((n) => `mqtt://127.0.0.1:${n.mqttPort}`)
    const configFile = join(dir, 'worker.yaml')
    writeFileSync(configFile, o.configYaml ?? '')
    const workers: WorkerProcess[] = []
    const startWorker = async (index: number): Promise<WorkerProcess> => {
      const dataDir = join(dir, `worker-${index + 1}`)
      mkdirSync(dataDir, { recursive: true })
      writeFileSync(join(dataDir, 'hash.key'), hashKey, { mode: 0o600 })
      const port = internalPorts[index] as number
      const child = spawnTs(GATEWAY_ENTRY, [], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          AEDGW_MODE: 'worker',
          AEDGW_CONFIG: configFile,
          AEDGW_DATA_DIR: dataDir,
          AEDGW_LOG_LEVEL: 'warn',
          // nodes in a different order per worker: the consumers spread over the cluster
          AEDGW_AMQP_URLS: rotate(amqpUrls, index).join(','),
          AEDGW_POSTGRES_URL: postgresUrl,
          AEDGW_INFLUX_URL: influxUrl as string,
          AEDGW_INFLUX_DB: influxDb,
          AEDGW_BROKER_AUTH_PORT: String(port),
          AEDGW_WORKER_API_BIND: '127.0.0.1',
          AEDGW_WORKER_API_PORT: String(apiPorts[index]),
          ...o.env,
        },
      })
      const w: WorkerProcess = {
        index,
        process: child,
        internalPort: port,
        apiPort: apiPorts[index] as number,
        output: captureOutput(child),
        exited: exitOf(child),
      }
      workers[index] = w
      await waitHttp(`http://127.0.0.1:${port}/readyz`, {
        timeoutMs: 120_000,
        status: 200,
        child,
        detail: () => `: ${w.output().slice(-2000)}`,
      })
      return w
    }
    cleanups.push(async () => {
      await Promise.all(workers.map((w) => stopChild(w.process)))
    })
    // one at a time: the first runs the migrations while the others would wait on its lock
    for (let i = 0; i < o.workers; i++) await startWorker(i)
    return {
      nodes,
      amqpUrls,
      mqttUrls,
      postgres,
      postgresUrl,
      influxUrl,
      influxDb,
      hashKey,
      workers,
      rabbit,
      startWorker,
      beamPid: (i) => beamPid(nodes[i] as RabbitNode),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

function rotate<T>(list: T[], by: number): T[] {
  const k = by % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/** Passes each broker-auth request to the first worker that answers it. */
async function startAuthProxy(ports: number[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      for (const port of ports) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}${req.url ?? '/'}`, {
            method: req.method ?? 'GET',
            headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
            ...(req.method === 'POST' ? { body } : {}),
            signal: AbortSignal.timeout(2000),
          })
          res.writeHead(r.status, { 'content-type': 'text/plain' }).end(await r.text())
          return
        } catch {
          // that worker is down: the next
        }
      }
      res.writeHead(503).end('no worker')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}
