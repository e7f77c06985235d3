// Cluster mode with real engines: a three-node RabbitMQ 3.10 cluster (MQTT plugin, quorum queue),
// PostgreSQL 15, InfluxDB and two gateway workers, each its own process. One cluster for the
// file (it takes ~30 s to form). Every acknowledged heartbeat is stored exactly once while a worker
// is SIGKILLed under load; one door-open gives exactly one notification, also when the worker
// sending it is SIGKILLed mid-delivery; the broker refuses what the embedded broker refuses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { type Stack, startStack } from '../../scripts/cluster/stack.ts'
import { postgresAvailable } from '../../scripts/lib/postgres.ts'
import {
  ackedVsStored,
  fleet,
  pidOfLocalPort,
  registerCabinets,
  tryConnect,
  until,
  WORKER_YAML,
} from '../helpers/cluster.ts'
import { eventually, influxUrl } from '../helpers/influx.ts'

/** A webhook receiver that can hold a request unanswered (the sender dies waiting). */
class Receiver {
  readonly posts: Array<{ key: string; body: string; port: number }> = []
  hold = false
  private held: ServerResponse[] = []
  private server: Server | null = null
  url = ''

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const port = req.socket.remotePort ?? 0
        this.posts.push({
          key: String(req.headers['idempotency-key']),
          body: Buffer.concat(chunks).toString(),
          port,
        })
        if (this.hold) this.held.push(res)
        else res.writeHead(200).end('{}')
      })
    })
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`
  }

  forCabinet(id: string) {
    return this.posts.filter(
      (p) => (JSON.parse(p.body) as { alerts: Array<{ cabinet_id: string }> }).alerts[0]?.cabinet_id === id,
    )
  }

  async stop(): Promise<void> {
    for (const r of this.held) r.destroy()
    this.server?.closeAllConnections()
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()))
  }
}

const receiver = new Receiver()
let stack: Stack
let secrets: Map<string, string>
const FLEET = Array.from({ length: 20 }, (_, i) => `CLW-${String(i + 1).padStart(4, '0')}`)
const DOORS = ['CLD-0001', 'CLD-0002']
const db = `cluster_workers_${process.pid}`

describe.runIf(postgresAvailable())('cluster mode: two workers on a three-node RabbitMQ cluster', () => {
  beforeAll(async () => {
    await receiver.start()
    stack = await startStack({
      workers: 2,
      basePort: 24100,
      influxUrl: influxUrl(),
      influxDb: db,
      configYaml: WORKER_YAML,
      env: { AEDGW_WEBHOOK_URL: receiver.url, AEDGW_WEBHOOK_SECRET: 'cluster-test-webhook-secret' },
    })
    secrets = await registerCabinets(stack, [...FLEET, ...DOORS])
  }, 300_000)
  afterAll(async () => {
    await stack?.stop()
    await receiver.stop()
  }, 120_000)

  it('stores every acknowledged heartbeat exactly once while a worker is SIGKILLed under load', async () => {
    const f = fleet(stack, new Map(FLEET.map((id) => [id, secrets.get(id) as string])), {
      window: 5,
      baseMs: Date.now() - 3_600_000,
    })
    for (const c of f.cabinets) c.start()
    await until(() => f.cabinets.every((c) => c.connected))
    for (const c of f.cabinets) c.startPublishing()
    await until(() => f.total() >= 1500)
    const victim = stack.workers[1]
    victim?.process.kill('SIGKILL')
    await victim?.exited
    const atKill = f.total()
    await until(() => f.total() >= atKill + 1500)
    for (const c of f.cabinets) c.stopPublishing()
    // what was in flight is acknowledged or not; then nothing more moves
    await new Promise((r) => setTimeout(r, 2000))
    for (const c of f.cabinets) await c.stop()
    const result = await eventually(async () => {
      const r = await ackedVsStored(stack, f.acked)
      return r.missing.length === 0 ? r : undefined
    }, 60_000).catch(async () => ackedVsStored(stack, f.acked))
    expect(result.acked).toBeGreaterThanOrEqual(3000)
    expect(result.missing).toEqual([])
    expect(result.repeated).toEqual([])
    await stack.startWorker(1)
  }, 240_000)

  it('sends one notification for one door-open with two workers', async () => {
    const id = DOORS[0] as string
    const c = (await tryConnect(stack.mqttUrls[0] as string, {
      clientId: id,
      username: id,
      password: secrets.get(id) as string,
    })) as MqttClient
    const ts = Date.now() - 1000
    // the event, and a heartbeat saying the same: two messages, one condition
    await c.publishAsync(
      cabinetTopic(id, 'event'),
      JSON.stringify({ ts: new Date(ts).toISOString(), seq: 1, type: 'door_open' }),
      { qos: 1 },
    )
    await c.publishAsync(
      cabinetTopic(id, 'heartbeat'),
      JSON.stringify({
        ts: new Date(ts + 10).toISOString(),
        seq: 2,
        battery_pct: 90,
        pad_expiry: '2027-05-01',
        door: 'open',
      }),
      { qos: 1 },
    )
    await c.endAsync()
    await until(() => receiver.forCabinet(id).length >= 1)
    // anything more would come within a few delivery polls
    await new Promise((r) => setTimeout(r, 3000))
    const posts = receiver.forCabinet(id)
    expect(posts).toHaveLength(1)
    expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({
      status: 'firing',
      alerts: [{ type: 'door_open' }],
    })
  }, 60_000)

  it('sends the notification again under the same key when the worker sending it is SIGKILLed mid-delivery, and only that', async () => {
    const id = DOORS[1] as string
    receiver.hold = true
    const c = (await tryConnect(stack.mqttUrls[1] as string, {
      clientId: id,
      username: id,
      password: secrets.get(id) as string,
    })) as MqttClient
    await c.publishAsync(
      cabinetTopic(id, 'event'),
      JSON.stringify({ ts: new Date(Date.now() - 1000).toISOString(), seq: 1, type: 'door_open' }),
      { qos: 1 },
    )
    await c.endAsync()
    await until(() => receiver.forCabinet(id).length >= 1)
    const first = receiver.forCabinet(id)[0] as { key: string; port: number }
    const pid = pidOfLocalPort(first.port)
    const sender = stack.workers.find((w) => w.process.pid === pid)
    expect(sender, `the sender (pid ${pid}) is one of the workers`).toBeDefined()
    receiver.hold = false
    sender?.process.kill('SIGKILL')
    await sender?.exited
    // the claim runs out (3 s here) and the surviving worker sends again
    await until(() => receiver.forCabinet(id).length >= 2)
    await new Promise((r) => setTimeout(r, 3000))
    const posts = receiver.forCabinet(id)
    expect(posts.map((p) => p.key)).toEqual([first.key, first.key])
    const pool = createPgPool({ url: stack.postgresUrl, max: 1 })
    try {
      const alerts = await pool.query(`SELECT id FROM alerts WHERE cabinet = $1 AND type = 'door_open'`, [id])
      expect(alerts.rowCount).toBe(1)
      const deliveries = await pool.query(`SELECT state FROM alert_deliveries WHERE id = $1`, [
        `${first.key}/default/webhook`,
      ])
      expect(deliveries.rows).toEqual([{ state: 'delivered' }])
    } finally {
      await pool.end()
    }
    if (sender) await stack.startWorker(sender.index)
  }, 90_000)

  describe('cabinet login and topics through the auth backend', () => {
    const [me, other] = FLEET as [string, string]
    const url = () => stack.mqttUrls[2] as string

    it('refuses a wrong secret', async () => {
      const r = await tryConnect(url(), { clientId: me, username: me, password: 'not-the-secret' })
      expect(r).toMatch(/refused: .*(Bad username or password|Not authorized)/)
    })

    it("closes the connection of a cabinet publishing to another cabinet's topic, without a PUBACK", async () => {
      const c = (await tryConnect(url(), {
        clientId: me,
        username: me,
        password: secrets.get(me) as string,
      })) as MqttClient
      const outcome = await new Promise<string>((resolve) => {
        c.once('close', () => resolve('closed'))
        c.publish(cabinetTopic(other, 'heartbeat'), '{"seq":1}', { qos: 1 }, (err) =>
          resolve(err ? `error` : 'PUBACK'),
        )
      })
      c.end(true)
      expect(outcome).not.toBe('PUBACK')
    })

    it.each([
      ['another cabinet’s commands', () => cabinetTopic(other, 'cmd')],
      ['a wildcard over all cabinets', () => 'aed/v1/+/cmd'],
      ['everything', () => '#'],
    ])('refuses a subscription to %s', async (_name, topic) => {
      const c = (await tryConnect(url(), {
        clientId: me,
        username: me,
        password: secrets.get(me) as string,
      })) as MqttClient
      const outcome = await c.subscribeAsync(topic(), { qos: 1 }).then(
        (granted) => `SUBACK ${granted[0]?.qos}`,
        (err: Error) => `refused: ${err.message}`,
      )
      c.end(true)
      expect(outcome).not.toMatch(/^SUBACK [012]$/)
    })

    it('lets the cabinet subscribe to its own commands (the control)', async () => {
      const c = (await tryConnect(url(), {
        clientId: me,
        username: me,
        password: secrets.get(me) as string,
      })) as MqttClient
      const granted = await c.subscribeAsync(cabinetTopic(me, 'cmd'), { qos: 1 })
      await c.endAsync()
      expect(granted[0]?.qos).toBe(1)
    })
  })
})
