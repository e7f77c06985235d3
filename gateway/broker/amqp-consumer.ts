import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib'
import type { Logger } from 'pino'
import { PUBLISH_LEAVES } from '../protocol/topics.ts'

/** One message of the ingest queue; `ack` settles it with the broker (a no-op once its channel is gone). */
export interface AmqpDelivery {
  routingKey: string
  content: Buffer
  redelivered: boolean
  ack(): void
}

export interface AmqpConsumerDeps {
  /** The broker nodes, tried in turn. */
  urls: readonly string[]
  queue: string
  prefetch: number
  reconnectMs: number
  log: Logger
  onMessage: (d: AmqpDelivery) => void
}

/**
 * What cabinets publish, as routing keys on amq.topic: the MQTT plugin turns the topic levels of
 * `aed/v1/{id}/heartbeat` into the words of `aed.v1.{id}.heartbeat`.
 */
export const INGEST_BINDINGS = PUBLISH_LEAVES.map((leaf) => `aed.v1.*.${leaf}`)

/** A URL for logs: without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(invalid url)'
  }
}

/**
 * A worker's consumer of the replicated ingest queue (a quorum queue bound to amq.topic): connects
 * to the first node of the list that answers, declares the queue and its bindings (idempotent:
 * every worker does, before it consumes; an unroutable message would be confirmed to a cabinet and
 * lost), and consumes with manual acks and a bounded prefetch. When its node or connection dies
 * it connects to the next node; the messages it had not acked go back to the queue and to any
 * consumer (docs/cluster.md).
 */
export class AmqpConsumer {
  private readonly deps: AmqpConsumerDeps
  private conn: ChannelModel | null = null
  private channel: Channel | null = null
  private next = 0
  private stopping = false
  private retry: NodeJS.Timeout | null = null
  private connectedOnce: (() => void) | null = null
  /** The node now consumed from (for readiness and logs), or null between connections. */
  node: string | null = null
  /** Connections made, the first included. */
  connections = 0

  constructor(deps: AmqpConsumerDeps) {
    this.deps = deps
  }

  /** Resolves once consuming from some node (trying the list until one answers). */
  start(): Promise<void> {
    this.stopping = false
    return new Promise((resolve) => {
      this.connectedOnce = resolve
      void this.connect()
    })
  }

  async stop(): Promise<void> {
    this.stopping = true
    if (this.retry) clearTimeout(this.retry)
    this.retry = null
    const conn = this.conn
    this.conn = null
    this.channel = null
    this.node = null
    // unacked messages go back to the queue when the connection closes
    await conn?.close().catch(() => undefined)
  }

  private async connect(): Promise<void> {
    const { urls, log } = this.deps
    const url = urls[this.next % urls.length] as string
    this.next++
    let conn: ChannelModel | null = null
    try {
      conn = await amqp.connect(withHeartbeat(url))
      conn.on('error', (err: Error) =>
        log.warn({ err: err.message, node: redactUrl(url) }, 'AMQP connection error'),
      )
      const ch = await conn.createChannel()
      ch.on('error', (err: Error) => log.warn({ err: err.message }, 'AMQP channel error'))
      await this.declare(ch)
      await ch.prefetch(this.deps.prefetch)
      if (this.stopping) {
        await conn.close().catch(() => undefined)
        return
      }
      await ch.consume(this.deps.queue, (msg) => this.deliver(ch, msg), { noAck: false })
      conn.on('close', () => this.lost(conn as ChannelModel, url))
      this.conn = conn
      this.channel = ch
      this.node = redactUrl(url)
      this.connections++
      log.info({ node: this.node, queue: this.deps.queue }, 'consuming')
      this.connectedOnce?.()
      this.connectedOnce = null
    } catch (err) {
      await conn?.close().catch(() => undefined)
      if (this.stopping) return
      log.warn(
        { err: (err as Error).message, node: redactUrl(url) },
        'AMQP node not reachable: trying the next',
      )
      // through the whole list at once, then wait before the next round
      const wait = this.next % urls.length === 0 ? this.deps.reconnectMs : 0
      this.retry = setTimeout(() => void this.connect(), wait)
    }
  }

  private async declare(ch: Channel): Promise<void> {
    const { queue } = this.deps
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
    for (const key of INGEST_BINDINGS) await ch.bindQueue(queue, 'amq.topic', key)
  }

  private lost(conn: ChannelModel, url: string): void {
    if (this.conn !== conn) return
    this.conn = null
    this.channel = null
    this.node = null
    if (this.stopping) return
    this.deps.log.warn({ node: redactUrl(url) }, 'AMQP connection lost: reconnecting to the next node')
    void this.connect()
  }

  private deliver(ch: Channel, msg: ConsumeMessage | null): void {
    // null: the broker cancelled the consumer (queue deleted, or its leader moved away and back)
    if (!msg) {
      void this.conn?.close().catch(() => undefined)
      return
    }
    this.deps.onMessage({
      routingKey: msg.fields.routingKey,
      content: msg.content,
      redelivered: msg.fields.redelivered,
      ack: () => {
        // an ack is valid only on the channel that delivered; after a reconnect the broker has
        // requeued the message already and will deliver it again
        if (this.channel !== ch) return
        try {
          ch.ack(msg)
        } catch {
          // the channel closed meanwhile: the same
        }
      },
    })
  }
}

/** A heartbeat of 10 s unless the URL sets one: a silent node is given up on within ~20 s. */
function withHeartbeat(url: string): string {
  if (/[?&]heartbeat=/.test(url)) return url
  return `${url}${url.includes('?') ? '&' : '?'}heartbeat=10`
}
