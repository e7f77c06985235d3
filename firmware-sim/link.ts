import { connect as netConnect } from 'node:net'
import { PassThrough } from 'node:stream'
import { type IClientOptions, MqttClient } from 'mqtt'
import { type Command, cabinetTopic, commandSchema } from './protocol.ts'
import type { SimStats } from './stats.ts'

export interface LinkOptions {
  id: string
  secret: string
  host: string
  port: number
  /**
   * Further broker nodes (a cluster's, docs/cluster.md): after a lost connection or a failed
   * attempt the link tries the next address of [host:port, ...alternates], round the list.
   */
  alternates?: Array<{ host: string; port: number }>
  /** Source address (127.0.0.x) so one process can open more connections than one address has ports. */
  localAddress?: string
  /** Gateway's per-cabinet publish rate (mqtt.rate): the link stays under it. */
  ratePerSecond: number
  burst: number
  /** QoS 1 messages in flight at once. */
  window: number
  /** Messages the firmware keeps while offline; older ones are dropped past it. */
  bufferLimit: number
  keepaliveS: number
  reconnectMs: number
  stats: SimStats
  onCommand?: (cmd: Command) => void
  /** The gateway refused the credentials (CONNACK 4 or 5). */
  onRefused?: (code: number) => void
}

interface Outgoing {
  leaf: 'heartbeat' | 'event'
  payload: string
  /** True when the message was produced while the cabinet was offline. */
  late: boolean
}

/**
 * A cabinet's MQTT session: connects with its last will (`offline`, retained), announces
 * `online`, publishes QoS 1 under its own topics, keeps what it produces while offline and sends
 * it, oldest first, after reconnecting; paces itself to stay under the gateway's rate limit.
 */
export class CabinetLink {
  private readonly opts: LinkOptions
  private client: MqttClient | null = null
  private readonly queue: Outgoing[] = []
  private inflight = 0
  private tokens: number
  private tokensAt = 0
  private timer: NodeJS.Timeout | null = null
  private networkUp = true
  private outage = false
  private stopped = false
  /** Index into [host:port, ...alternates] of the address the next connection goes to. */
  private broker = 0

  constructor(opts: LinkOptions) {
    this.opts = opts
    this.tokens = opts.burst * 0.9
  }

  get connected(): boolean {
    return this.client?.connected === true
  }

  /** Messages waiting to be sent (offline buffer and pacing). */
  get backlog(): number {
    return this.queue.length + this.inflight
  }

  /** A new secret (rotated through the admin API): used from the next connection attempt. */
  setSecret(secret: string): void {
    this.opts.secret = secret
    if (this.client) this.client.options.password = secret
  }

  /** Not cut off by a simulated drop or outage: queued messages will go out once reconnected. */
  get reachable(): boolean {
    return this.networkUp && !this.outage && !this.stopped
  }

  start(): void {
    const o = this.opts
    const options: IClientOptions = {
      clientId: o.id,
      username: o.id,
      password: o.secret,
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveS,
      reconnectPeriod: o.reconnectMs,
      connectTimeout: 15_000,
      resubscribe: false,
      // [MQTT-3.1.2-8]: the broker publishes the will when the connection drops without DISCONNECT
      will: { topic: cabinetTopic(o.id, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    }
    const client = new MqttClient(() => this.stream(), options)
    this.client = client
    client.on('connect', () => this.onConnect())
    client.on('close', () => {
      this.opts.stats.disconnects++
      this.inflight = 0
      // the node may be gone: the next attempt goes to the next address of the list
      this.broker = (this.broker + 1) % (1 + (this.opts.alternates?.length ?? 0))
    })
    client.on('error', (err: Error & { code?: unknown }) => {
      if (err.code === 4 || err.code === 5) {
        this.opts.stats.error('refused')
        this.opts.onRefused?.(err.code)
      }
    })
    client.on('message', (_topic, payload) => this.onMessage(payload))
  }

  /** Queues a QoS 1 publish; sent now if connected and under the rate, else later. */
  publish(leaf: 'heartbeat' | 'event', payload: string): void {
    const late = !this.connected
    if (late) this.opts.stats.buffered++
    this.queue.push({ leaf, payload, late })
    if (this.queue.length > this.opts.bufferLimit) {
      this.queue.shift()
      this.opts.stats.dropped++
    }
    this.pump()
  }

  /** Publishes raw bytes to any topic, outside the queue (chaos: malformed payloads). */
  raw(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): void {
    if (!this.client?.connected) return
    this.opts.stats.chaos++
    this.client.publish(topic, payload, { qos })
  }

  /** Network down: the socket dies without DISCONNECT (the will fires); reconnects fail until up. */
  setNetwork(up: boolean): void {
    this.networkUp = up
    if (!up) this.client?.stream?.destroy()
  }

  /** A scenario's outage (a district's network is down): on top of the cabinet's own drops. */
  setOutage(on: boolean): void {
    this.outage = on
    if (on) this.client?.stream?.destroy()
  }

  /** A reboot: the connection drops at once and comes back after the firmware starts. */
  reboot(): void {
    this.client?.stream?.destroy()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const c = this.client
    this.client = null
    if (c) await c.endAsync(true).catch(() => undefined)
  }

  private stream() {
    if (!this.networkUp || this.outage) {
      // no route: the connect attempt fails like a dead mobile link would
      const dead = new PassThrough()
      process.nextTick(() => dead.destroy(new Error('network unreachable (simulated)')))
      return dead
    }
    const o = this.opts
    const b = this.broker === 0 ? o : (o.alternates?.[this.broker - 1] ?? o)
    return netConnect({
      host: b.host,
      port: b.port,
      ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    })
  }

  private onConnect(): void {
    const c = this.client
    if (!c) return
    this.opts.stats.connects++
    c.publish(cabinetTopic(this.opts.id, 'status'), 'online', { qos: 1, retain: true })
    if (this.opts.onCommand) c.subscribe(cabinetTopic(this.opts.id, 'cmd'), { qos: 1 })
    this.pump()
  }

  private onMessage(payload: Buffer): void {
    try {
      const r = commandSchema.safeParse(JSON.parse(payload.toString('utf8')))
      if (r.success) this.opts.onCommand?.(r.data)
    } catch {
      // not JSON: a real cabinet ignores what it cannot parse
    }
  }

  private refill(): void {
    const now = performance.now()
    if (this.tokensAt > 0)
      this.tokens = Math.min(
        this.opts.burst * 0.9,
        this.tokens + ((now - this.tokensAt) / 1000) * this.opts.ratePerSecond * 0.9,
      )
    this.tokensAt = now
  }

  private pump(): void {
    const c = this.client
    if (this.stopped || !c?.connected) return
    this.refill()
    while (this.queue.length > 0 && this.inflight < this.opts.window && this.tokens >= 1) {
      const msg = this.queue.shift()!
      this.tokens -= 1
      this.inflight++
      this.opts.stats.published++
      const started = process.hrtime.bigint()
      c.publish(cabinetTopic(this.opts.id, msg.leaf), msg.payload, { qos: 1 }, (err) => {
        this.inflight = Math.max(0, this.inflight - 1)
        if (err) this.opts.stats.error('publish')
        else this.opts.stats.recordAck(started)
        this.pump()
      })
    }
    if (this.queue.length > 0 && this.tokens < 1 && !this.timer) {
      const waitMs = Math.ceil(((1 - this.tokens) / (this.opts.ratePerSecond * 0.9)) * 1000)
      this.timer = setTimeout(() => {
        this.timer = null
        this.pump()
      }, waitMs)
    }
  }
}
