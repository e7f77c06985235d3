import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { loadConfig, merge } from '../../gateway/config/load.ts'
import type { Config } from '../../gateway/config/schema.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { createLogger } from '../../gateway/lib/logger.ts'
import type { Registration } from '../../gateway/protocol/registration.ts'
import { influxUrl } from './influx.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

export interface TestGateway {
  gateway: Gateway
  config: Readonly<Config>
  db: string
  httpUrl: string
  /** The operations listener: /metrics, /docs, /readyz with its checks. */
  opsUrl: string
  mqttUrl: string
  dataDir: string
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; json: any }>
  register(id: string, extra?: Partial<Registration>): Promise<string>
  connect(id: string, secret: string, opts?: IClientOptions): Promise<MqttClient>
  stop(): Promise<void>
}

/** A real gateway in this process: ports 0, its own data dir and InfluxDB database. */
export async function startTestGateway(
  overrides: DeepPartial<Config> = {},
  clock?: () => number,
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-test-'))
  const db = `t_${randomBytes(6).toString('hex')}`
  const config = loadConfig(
    {},
    merge(
      {
        data_dir: dataDir,
        log_level: process.env.AEDGW_TEST_LOG ?? 'silent',
        mqtt: { bind: '127.0.0.1', port: 0 },
        http: { bind: '127.0.0.1', port: 0, ops: { port: 0 } },
        influx: { url: influxUrl(), db, flush_interval_ms: 20 },
        api: { admin_token: ADMIN_TOKEN },
      },
      overrides,
    ),
  )
  const gateway = new Gateway({ config, log: createLogger(config.log_level), ...(clock ? { clock } : {}) })
  await gateway.start()
  const addr = gateway.addresses()
  const httpUrl = `http://127.0.0.1:${addr.http}`
  const mqttUrl = `mqtt://127.0.0.1:${addr.mqtt}`
  const clients: MqttClient[] = []
  const api: TestGateway['api'] = async (method, path, body, token = ADMIN_TOKEN) => {
    const headers: Record<string, string> = {}
    if (token) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${httpUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    let json: unknown = text
    try {
      json = JSON.parse(text)
    } catch {
      // not JSON (metrics, CSV)
    }
    return { status: res.status, json }
  }
  return {
    gateway,
    config,
    db,
    httpUrl,
    opsUrl: `http://127.0.0.1:${addr.ops}`,
    mqttUrl,
    dataDir,
    api,
    async register(id, extra = {}) {
      const r = await api('POST', '/api/v1/cabinets', registrationFor(id, extra))
      if (r.status !== 201) throw new Error(`register ${id}: ${r.status} ${JSON.stringify(r.json)}`)
      return r.json.secret as string
    },
    async connect(id, secret, opts = {}) {
      const c = await connectCabinet(mqttUrl, id, secret, opts)
      clients.push(c)
      return c
    },
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)))
      await gateway.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export function registrationFor(id: string, extra: Partial<Registration> = {}): Registration {
  return { id, name: `Cabinet ${id}`, lat: 13.7563, lon: 100.5018, district_code: '1001', ...extra }
}

/** Connects as a cabinet; rejects with the CONNACK error when refused. */
export function connectCabinet(
  url: string,
  id: string,
  secret: string,
  opts: IClientOptions = {},
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, {
      clientId: id,
      username: id,
      password: secret,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    })
    c.once('connect', () => resolve(c))
    c.once('error', (err) => {
      c.end(true)
      reject(err)
    })
    c.once('close', () => reject(new Error('connection closed before CONNACK')))
  })
}

export function heartbeat(seq: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    // in the past, a minute apart: seq up to ~450,000 stays before 2026-11-26
    ts: new Date(Date.UTC(2026, 0, 1) + seq * 60_000).toISOString(),
    seq,
    battery_pct: 87,
    pad_expiry: '2027-05-01',
    door: 'closed',
    aed_present: true,
    temp_c: 31.5,
    ...extra,
  })
}
