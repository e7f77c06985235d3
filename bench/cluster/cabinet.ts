import { connect as netConnect } from 'node:net'
import { MqttClient } from 'mqtt'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'

export interface BrokerAddress {
  host: string
  port: number
}

export interface SpikeCabinetOptions {
  id: string
  secret: string
  /** Broker nodes in order of preference; after a lost connection the next one is tried. */
  brokers: BrokerAddress[]
  localAddress?: string
  /** QoS 1 messages in flight at once. */
  window: number
  keepaliveS: number
  reconnectMs: number
  onAck?: (id: string, seq: number) => void
  /** The heartbeat for a seq; by default one stamped now (two within a millisecond share a time). */
  payload?: (seq: number) => string
  /** Connection lost, then back on a broker: how long it took and where it went. */
  onReconnect?: (ms: number, broker: number) => void
}

/**
 * A cabinet as the contract describes it, reduced to what the broker spike needs: logs in with
 * its id and secret, publishes QoS 1 heartbeats with a rising seq while told to, and on a lost
 * connection moves to the next broker of its list; mqtt.js resends what was not acknowledged
 * (its outgoing store is replayed on every CONNACK).
 */
export class SpikeCabinet {
  private readonly o: SpikeCabinetOptions
  private client: MqttClient | null = null
  private broker = 0
  private inflight = 0
  private seq = 0
  private publishing = false
  private lostAt: number | null = null
  connects = 0
  acked = 0

  constructor(o: SpikeCabinetOptions) {
    this.o = o
  }

  get connected(): boolean {
    return this.client?.connected === true
  }

  get brokerIndex(): number {
    return this.broker
  }

  start(): void {
    const o = this.o
    const client = new MqttClient(() => this.stream(), {
      clientId: o.id,
      username: o.id,
      password: o.secret,
      protocolVersion: 4,
      clean: true,
      keepalive: o.keepaliveS,
      reconnectPeriod: o.reconnectMs,
      connectTimeout: 10_000,
    })
    this.client = client
    client.on('connect', () => {
      this.connects++
      if (this.lostAt !== null) o.onReconnect?.(performance.now() - this.lostAt, this.broker)
      this.lostAt = null
      this.pump()
    })
    client.on('close', () => {
      if (this.lostAt === null) this.lostAt = performance.now()
      // the node may be gone: the next attempt goes to the next broker of the list
      this.broker = (this.broker + 1) % o.brokers.length
      this.inflight = 0
    })
    client.on('error', () => undefined)
  }

  startPublishing(): void {
    this.publishing = true
    this.pump()
  }

  stopPublishing(): void {
    this.publishing = false
  }

  async stop(): Promise<void> {
    this.publishing = false
    const c = this.client
    this.client = null
    if (c) await c.endAsync(true).catch(() => undefined)
  }

  private stream() {
    const b = this.o.brokers[this.broker]!
    return netConnect({
      host: b.host,
      port: b.port,
      ...(this.o.localAddress ? { localAddress: this.o.localAddress } : {}),
    })
  }

  private pump(): void {
    const c = this.client
    while (this.publishing && c?.connected && this.inflight < this.o.window) {
      const seq = ++this.seq
      this.inflight++
      const payload =
        this.o.payload?.(seq) ??
        JSON.stringify({
          ts: new Date().toISOString(),
          seq,
          battery_pct: 87,
          pad_expiry: '2027-05-01',
          door: 'closed',
        })
      c.publish(cabinetTopic(this.o.id, 'heartbeat'), payload, { qos: 1 }, (err) => {
        if (err) return
        this.acked++
        this.o.onAck?.(this.o.id, seq)
        if (this.inflight > 0) this.inflight--
        this.pump()
      })
    }
  }
}
