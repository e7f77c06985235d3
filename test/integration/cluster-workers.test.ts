// Cluster mode with real engines: a three-node RabbitMQ 3.10 cluster (MQTT plugin, quorum queue),
// PostgreSQL 15, InfluxDB and two gateway workers, each its own process. One cluster for the
// file (it takes ~30 s to form). Every acknowledged heartbeat is stored exactly once while a worker
// is SIGKILLed under load; one door-open gives exactly one notification, also when the worker
// sending it is SIGKILLed mid-delivery; the broker refuses what the embedded broker refuses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Silence } from '../../gateway/alerts/ports.ts'
import { PgSilenceStore } from '../../gateway/alerts/postgres/silence-store.ts'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { cabinetTopic, type PublishLeaf } from '../../gateway/protocol/topics.ts'
import { type Stack, startStack, type WorkerProcess } from '../../scripts/cluster/stack.ts'
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
const SILENT = ['CLS-0001', 'CLS-0002']
const SILENCED = 'CLQ-0001'
const IN_MAINTENANCE = 'CLM-0001'
const ESCALATED = 'CLE-0001'
/**
 * The sweep twice a second; one cabinet always in a maintenance window (from 00:00 to 00:00 is
 * the whole day); one cabinet's alerts escalated to the default receiver after 1.5 s.
 */
const ALERTS_YAML = `alerts:
  sweep_interval_ms: 500
  maintenance_windows:
    - name: always
      matchers: ['cabinet="${IN_MAINTENANCE}"']
      days: [mon, tue, wed, thu, fri, sat, sun]
      start: '00:00'
      end: '00:00'
  route:
    routes:
      - matchers: ['cabinet="${ESCALATED}"']
        escalations: [{ after_ms: 1500, receiver: default }]
`
const db = `cluster_workers_${process.pid}`
const ADMIN_TOKEN = 'cluster-test-admin-token-0123456789'

/** A request to worker `index`'s public REST API with the admin token. */
async function api(index: number, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${stack.workers[index]?.apiPort}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe.runIf(postgresAvailable())('cluster mode: two workers on a three-node RabbitMQ cluster', () => {
  beforeAll(async () => {
    await receiver.start()
    stack = await startStack({
      workers: 2,
      basePort: 24100,
      influxUrl: influxUrl(),
      influxDb: db,
      configYaml: WORKER_YAML + ALERTS_YAML,
      env: {
        AEDGW_WEBHOOK_URL: receiver.url,
        AEDGW_WEBHOOK_SECRET: 'cluster-test-webhook-secret',
        AEDGW_ADMIN_TOKEN: ADMIN_TOKEN,
      },
    })
    secrets = await registerCabinets(stack, [
      ...FLEET,
      ...DOORS,
      ...SILENT,
      SILENCED,
      IN_MAINTENANCE,
      ESCALATED,
    ])
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
    // the workers' REST API: either lists it, one acknowledges, the other resolves (one notification)
    const listed = await api(1, 'GET', `/api/v1/alerts?state=open&cabinet=${id}`)
    expect(listed.body.items).toHaveLength(1)
    const alertId = listed.body.items[0].id as string
    expect((await api(0, 'POST', `/api/v1/alerts/${alertId}/ack`, {})).body.state).toBe('acknowledged')
    expect((await api(1, 'POST', `/api/v1/alerts/${alertId}/resolve`, {})).body.state).toBe('resolved')
    await until(() => receiver.forCabinet(id).length >= 2)
    expect(JSON.parse(receiver.forCabinet(id)[1]?.body ?? '{}')).toMatchObject({ status: 'resolved' })
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

  describe('time-based rules, silences and escalation, swept by the lease holder', () => {
    it('opens one offline alert and sends one notification for a cabinet gone silent; with the sweeping worker SIGKILLed, the survivor sweeps', async () => {
      const [first, second] = SILENT as [string, string]
      await heartbeats(first, 0)
      await until(() => receiver.forCabinet(first).length >= 1)
      // a few more sweeps: nothing more comes
      await sleep(3000)
      const posts = receiver.forCabinet(first)
      expect(posts).toHaveLength(1)
      expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({
        status: 'firing',
        alerts: [{ type: 'offline', cabinet_id: first }],
      })
      expect(await alertsOf(first, 'offline')).toHaveLength(1)

      const leader = await sweepLeader()
      // silent from now on; missing heartbeats make it offline 6 s after the last
      await heartbeats(second, 1)
      leader.process.kill('SIGKILL')
      await leader.exited
      const killedAt = Date.now()
      const survivor = stack.workers.find((w) => w !== leader) as WorkerProcess
      await until(async () => (await readyz(survivor))?.sweep_leader === true)
      await until(() => receiver.forCabinet(second).length >= 1)
      await sleep(3000)
      expect(receiver.forCabinet(second)).toHaveLength(1)
      const opened = await alertsOf(second, 'offline')
      expect(opened).toHaveLength(1)
      expect(Number(opened[0]?.started_ms)).toBeGreaterThanOrEqual(killedAt)
      await stack.startWorker(leader.index)
      // one worker sweeps, never two
      const states = await Promise.all(stack.workers.map((w) => readyz(w)))
      expect(states.filter((r) => r?.sweep_leader === true)).toHaveLength(1)
      // the feeds' jobs (BKKHDC; readiness history and health-map push) too: one holder each
      await until(async () => {
        const s = await Promise.all(stack.workers.map((w) => readyz(w)))
        const holders = (job: 'bkkhdc' | 'feeds') => s.filter((r) => r?.feeds_leader?.[job] === true).length
        return holders('bkkhdc') === 1 && holders('feeds') === 1
      })
    }, 180_000)

    it('opens the alert of a silenced cabinet without notifying, and notifies once the silence ends', async () => {
      // made through one worker's API, expired through the other's
      const made = await api(0, 'POST', '/api/v1/silences', {
        matchers: [`cabinet=${SILENCED}`],
        ends_at: new Date(Date.now() + 600_000).toISOString(),
        created_by: 'test',
        comment: 'technician on site',
      })
      expect(made.status).toBe(201)
      await publish(SILENCED, [['event', { seq: 1, type: 'door_open' }]])
      await until(async () => (await alertsOf(SILENCED, 'door_open')).length === 1)
      await sleep(3000)
      expect(receiver.forCabinet(SILENCED)).toEqual([])
      expect((await api(1, 'DELETE', `/api/v1/silences/${made.body.id}`)).body.status).toBe('expired')
      await until(() => receiver.forCabinet(SILENCED).length >= 1)
      await sleep(2000)
      const posts = receiver.forCabinet(SILENCED)
      expect(posts).toHaveLength(1)
      expect(JSON.parse(posts[0]?.body ?? '{}')).toMatchObject({
        status: 'firing',
        alerts: [{ type: 'door_open', cabinet_id: SILENCED }],
      })
    }, 60_000)

    it('notifies neither the opening nor the resolution of an alert within a maintenance window', async () => {
      await publish(IN_MAINTENANCE, [['heartbeat', heartbeat(1, { battery_pct: 5 })]])
      await until(async () => (await alertsOf(IN_MAINTENANCE, 'battery_low')).length === 1)
      await publish(IN_MAINTENANCE, [['heartbeat', heartbeat(2, { battery_pct: 90 })]])
      await until(async () => (await alertsOf(IN_MAINTENANCE, 'battery_low'))[0]?.state === 'resolved')
      await sleep(2000)
      expect(receiver.forCabinet(IN_MAINTENANCE)).toEqual([])
    }, 60_000)

    it('escalates an unacknowledged alert once per step', async () => {
      await publish(ESCALATED, [['event', { seq: 1, type: 'door_open' }]])
      await until(() => receiver.forCabinet(ESCALATED).length >= 2)
      await sleep(2000)
      const statuses = receiver
        .forCabinet(ESCALATED)
        .map((p) => (JSON.parse(p.body) as { status: string }).status)
      expect(statuses.sort()).toEqual(['escalated', 'firing'])
      const [alert] = await alertsOf(ESCALATED, 'door_open')
      expect(alert?.data.escalation_level).toBe(1)
    }, 60_000)
  })

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A heartbeat with the device time now and a 2 s interval: missing ones count after 6 s. */
function heartbeat(seq: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ts: new Date().toISOString(),
    seq,
    interval_s: 2,
    battery_pct: 87,
    pad_expiry: '2027-05-01',
    door: 'closed',
    aed_present: true,
    ...extra,
  }
}

/** Publishes as the cabinet (QoS 1, each acknowledged) to one node, then disconnects cleanly (no will). */
async function publish(id: string, messages: Array<[PublishLeaf, Record<string, unknown>]>, node = 0) {
  const c = (await tryConnect(stack.mqttUrls[node] as string, {
    clientId: id,
    username: id,
    password: secrets.get(id) as string,
  })) as MqttClient
  for (const [leaf, body] of messages)
    await c.publishAsync(cabinetTopic(id, leaf), JSON.stringify({ ts: new Date().toISOString(), ...body }), {
      qos: 1,
    })
  await c.endAsync()
}

/** Three heartbeats 300 ms apart, then silence. */
async function heartbeats(id: string, node: number): Promise<void> {
  for (let seq = 1; seq <= 3; seq++) {
    await publish(id, [['heartbeat', heartbeat(seq)]], node)
    await sleep(300)
  }
}

interface Readyz {
  sweep_leader?: boolean
  feeds_leader?: { bkkhdc: boolean; feeds: boolean }
}

async function readyz(w: WorkerProcess): Promise<Readyz | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${w.internalPort}/readyz`, {
      signal: AbortSignal.timeout(2000),
    })
    return (await res.json()) as Readyz
  } catch {
    return null
  }
}

/** The worker holding the sweep's lease (the sweep takes it on its first tick). */
async function sweepLeader(): Promise<WorkerProcess> {
  let leader: WorkerProcess | undefined
  await until(async () => {
    const states = await Promise.all(stack.workers.map((w) => readyz(w)))
    const held = stack.workers.filter((_w, i) => states[i]?.sweep_leader === true)
    leader = held[0]
    return held.length === 1
  }, 200)
  return leader as WorkerProcess
}

async function alertsOf(
  cabinet: string,
  type: string,
): Promise<Array<{ state: string; started_ms: string; data: { escalation_level: number } }>> {
  const pool = createPgPool({ url: stack.postgresUrl, max: 1 })
  try {
    const { rows } = await pool.query(
      'SELECT state, started_ms, data FROM alerts WHERE cabinet = $1 AND type = $2 ORDER BY started_ms',
      [cabinet, type],
    )
    return rows
  } finally {
    await pool.end()
  }
}
