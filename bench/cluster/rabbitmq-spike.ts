import { rmSync } from 'node:fs'
import amqp, { type Channel, type ChannelModel } from 'amqplib'
import {
  beamPid,
  ctl,
  DEFAULTS,
  type RabbitClusterOptions,
  rabbitNodes,
  startRabbitCluster,
  stopRabbitCluster,
} from '../../scripts/cluster/rabbitmq.ts'
import { type AuthServer, startAuthServer } from './auth-server.ts'
import { type Delivered, parseHeartbeat, type SpikeBroker } from './spike-broker.ts'

/** The quorum queue the gateway's ingest consumes; bound to what cabinets publish. */
export const INGEST_QUEUE = 'aed.ingest'
const BINDINGS = ['aed.v1.*.heartbeat', 'aed.v1.*.event', 'aed.v1.*.status']

/**
 * RabbitMQ 3.10: cabinets publish over MQTT to amq.topic; the MQTT plugin publishes QoS 1 on a
 * confirm channel and sends PUBACK on the confirm (rabbit_mqtt_processor amqp_pub/amqp_callback),
 * and a quorum queue confirms once the Raft log entry is written on a majority. The queue and
 * its bindings exist before any cabinet publishes: an unroutable message is confirmed at once.
 */
export async function startRabbitSpike(
  cabinets: number,
  queueType: 'quorum' | 'classic' = 'quorum',
  dir = DEFAULTS.dir,
): Promise<SpikeBroker> {
  const auth: AuthServer = await startAuthServer(cabinets)
  const o: RabbitClusterOptions = { ...DEFAULTS, dir, authUrl: auth.url }
  // a cluster left running in the same folder would answer on the same ports
  await stopRabbitCluster(o)
  rmSync(dir, { recursive: true, force: true })
  const nodes = await startRabbitCluster(o).catch(async (err: Error) => {
    await auth.stop()
    throw err
  })
  const url = (i: number) => `amqp://${o.user}:${o.password}@127.0.0.1:${nodes[i]!.amqpPort}`

  // declared through n1: the queue's leader is placed on the declaring node (client-local)
  const setup = await amqp.connect(url(0))
  const sch = await setup.createChannel()
  // classic: the control case, a queue that lives on one node only
  await sch.assertQueue(INGEST_QUEUE, { durable: true, arguments: { 'x-queue-type': queueType } })
  for (const key of BINDINGS) await sch.bindQueue(INGEST_QUEUE, 'amq.topic', key)
  await setup.close()

  let consumer: { conn: ChannelModel; ch: Channel } | null = null
  let stopping = false

  async function consumeFrom(order: number[], onMessage: Delivered): Promise<void> {
    for (let attempt = 0; !stopping; attempt++) {
      const node = order[attempt % order.length]!
      try {
        const conn = await amqp.connect(url(node))
        const ch = await conn.createChannel()
        await ch.prefetch(2000)
        await ch.consume(INGEST_QUEUE, (msg) => {
          if (!msg) return
          const hb = parseHeartbeat(msg.fields.routingKey, msg.content)
          if (hb) onMessage(hb.id, hb.seq)
          ch.ack(msg)
        })
        consumer = { conn, ch }
        conn.on('error', () => undefined)
        conn.on('close', () => {
          consumer = null
          if (!stopping) void consumeFrom(order.slice(1).concat(order[0]!), onMessage)
        })
        return
      } catch {
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  return {
    name: 'rabbitmq',
    mqtt: nodes.map((n) => ({ host: '127.0.0.1', port: n.mqttPort })),
    cabinets: auth.cabinets,
    async leaderNode() {
      // a classic queue lives on the node that declared it (n1)
      if (queueType === 'classic') return 0
      const out = await ctl(o, nodes[1]!.name, ['list_queues', 'name', 'leader', '--formatter', 'json'])
      const rows = JSON.parse(out.stdout) as { name: string; leader: string }[]
      const leader = rows.find((r) => r.name === INGEST_QUEUE)?.leader
      const i = nodes.findIndex((n) => n.name === leader)
      if (i < 0) throw new Error(`no leader for ${INGEST_QUEUE}: ${out.stdout}`)
      return i
    },
    async consume(onMessage, avoid) {
      const order = [0, 1, 2].filter((i) => i !== avoid).concat(avoid)
      await consumeFrom(order, onMessage)
    },
    pid: (i) => beamPid(nodes[i]!),
    async stop() {
      stopping = true
      const c = consumer as { conn: ChannelModel } | null
      await c?.conn.close().catch(() => undefined)
      await stopRabbitCluster(o)
      await auth.stop()
    },
    notes: () => ({
      queue: `${INGEST_QUEUE} (${queueType === 'quorum' ? 'quorum, 3 members' : 'classic, one node'})`,
      auth_calls: { ...auth.calls },
      auth_parameters: auth.parameters,
    }),
  }
}

export { rabbitNodes }
