import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { Aedes, type AedesPublishPacket, type Client } from 'aedes'
import { AedgwError } from '../lib/errors.ts'
import { HeapRelease } from '../lib/heap-release.ts'
import { type BrokerDeps, BrokerHooks } from './hooks.ts'
import { InflightGate } from './inflight-gate.ts'
import { PacketGuard } from './packet-guard.ts'
import { PublishQueue } from './publish-queue.ts'

export type { BrokerDeps } from './hooks.ts'

const REAP_INTERVAL_MS = 5000

/** aedes's client table (not in its typings). */
function clientsOf(aedes: Aedes | null): Client[] {
  const clients = (aedes as unknown as { clients?: Record<string, Client> } | null)?.clients
  return clients ? Object.values(clients) : []
}

function connectionGone(client: Client): boolean {
  return (client as unknown as { conn?: { destroyed?: boolean } }).conn?.destroyed === true
}

/**
 * The embedded MQTT broker: aedes over TCP (and TLS), every cabinet confined to its own topics.
 * Emits 'cabinet_connected' (id) and 'cabinet_disconnected' (id).
 */
export class Broker extends EventEmitter {
  private readonly deps: BrokerDeps
  private aedes: Aedes | null = null
  private readonly servers: Server[] = []
  private readonly ports = { mqtt: 0, mqtts: 0 }
  private readonly publishQueue = new PublishQueue(() => this.aedes)
  private reaper: NodeJS.Timeout | null = null
  private readonly hooks: BrokerHooks
  /**
   * Back-pressure (inflight-gate.ts): past mqtt.max_in_flight messages in flight, connections with
   * messages of their own in flight are not parsed or read until half of it is left. A 14-day
   * backfill of 300 cabinets (64 in flight each) held 19,000 without it.
   */
  private readonly gate: InflightGate
  private readonly heapRelease: HeapRelease

  constructor(deps: BrokerDeps) {
    super()
    this.deps = deps
    const most = deps.config.mqtt.max_in_flight
    this.gate = new InflightGate(most, Math.floor(most / 2))
    this.heapRelease = deps.heapRelease ?? new HeapRelease(deps.log, deps.metrics)
    this.hooks = new BrokerHooks(deps, this.gate)
  }

  async start(): Promise<void> {
    const m = this.deps.config.mqtt
    const log = this.deps.log
    const aedes = await Aedes.createBroker({
      connectTimeout: m.connect_timeout_ms,
      // the keepalive limit is enforced in authenticate, with a return code MQTT 3.1.1 defines
      keepaliveLimit: 0,
      maxClientsIdLength: 64,
      preConnect: (client, packet, cb) => this.hooks.preConnect(client, packet, cb),
      authenticate: (client, username, password, cb) =>
        this.hooks.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.hooks.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => this.hooks.authorizeSubscribe(client, sub, cb),
    })
    this.aedes = aedes
    this.reaper = setInterval(() => {
      this.reapDeadClients()
      this.hooks.sweep()
      this.gate.sweep()
      const gate = this.gate.snapshot()
      this.heapRelease.sweep(gate.closings, gate.held_connections > 0)
    }, REAP_INTERVAL_MS)
    this.reaper.unref()
    aedes.on('client', (client) => {
      log.debug({ cabinet: client.id }, 'cabinet connected')
      this.emit('cabinet_connected', client.id)
    })
    aedes.on('clientDisconnect', (client) => {
      // its rate bucket stays: a reconnect must not refill it (swept once full again)
      log.debug({ cabinet: client.id }, 'cabinet disconnected')
      this.emit('cabinet_disconnected', client.id)
    })
    aedes.on('clientError', (client, err) =>
      log.debug({ cabinet: client?.id, err: err.message }, 'client error'),
    )
    aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'))

    const onSocket = (socket: import('node:net').Socket) => {
      socket.setNoDelay(true)
      const guard = new PacketGuard(
        socket,
        m.max_packet_bytes,
        (declared) => {
          this.deps.metrics.rejected.inc({ reason: 'packet_too_large' })
          log.warn(
            { remote: socket.remoteAddress, declared },
            'packet over max_packet_bytes: connection closed',
          )
        },
        {
          maxQueuedBytes: m.max_queued_bytes,
          onSlowConsumer: (queued) => {
            this.deps.metrics.rejected.inc({ reason: 'slow_consumer' })
            log.warn({ remote: socket.remoteAddress, queued }, 'client not reading: connection closed')
          },
        },
        this.gate,
      )
      aedes.handle(guard)
    }
    this.ports.mqtt = await this.listen(createServer(onSocket), m.port, m.bind)
    if (m.tls.port !== null && m.tls.cert && m.tls.key) {
      const tls = createTlsServer(
        {
          cert: readFileSync(m.tls.cert),
          key: readFileSync(m.tls.key),
          ...(m.tls.ca ? { ca: readFileSync(m.tls.ca), requestCert: true, rejectUnauthorized: false } : {}),
        },
        onSocket,
      )
      this.ports.mqtts = await this.listen(tls, m.tls.port, m.bind)
    }
    log.info({ mqtt: this.ports.mqtt, mqtts: this.ports.mqtts || null }, 'broker listening')
  }

  async stop(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper)
    this.reaper = null
    // stop accepting first, then close every client (aedes.close ends their sockets)
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    this.servers.length = 0
    const aedes = this.aedes
    this.aedes = null
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()))
  }

  /** Back-pressure now: messages in flight, connections held back, how often it held any. */
  backpressure(): ReturnType<InflightGate['snapshot']> {
    return this.gate.snapshot()
  }

  listening(): boolean {
    return this.servers.length > 0 && this.servers.every((s) => s.listening)
  }

  address(): { mqtt: number; mqtts: number } {
    return { ...this.ports }
  }

  /**
   * Clients connected now, counted from aedes's client table (live connections only) rather than
   * from its event counter, which a session takeover racing a broken handshake can leave off by one.
   */
  connectedCount(): number {
    let n = 0
    for (const c of clientsOf(this.aedes)) if (c.connected && !connectionGone(c)) n++
    return n
  }

  /** Closes a cabinet's session at once (secret rotated, cabinet retired); true if one was open. */
  disconnect(cabinetId: string): boolean {
    const client = clientsOf(this.aedes).find((c) => c.id === cabinetId)
    if (!client) return false
    this.deps.log.info({ cabinet: cabinetId }, 'credentials revoked: session closed')
    client.close()
    return true
  }

  /** Publishes to a topic as the gateway (commands, restored retained statuses), queued. */
  publish(
    topic: string,
    payload: string | Buffer,
    opts: { retain?: boolean; qos?: 0 | 1 } = {},
  ): Promise<void> {
    if (!this.aedes) return Promise.reject(new AedgwError('AEDGW_ERR_BROKER', 'broker not started'))
    const packet = {
      cmd: 'publish',
      topic,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
      qos: opts.qos ?? 1,
      retain: opts.retain ?? false,
      dup: false,
    } as AedesPublishPacket
    return this.publishQueue.publish(packet)
  }

  /**
   * Closes clients whose connection is already gone. A socket that dies while its CONNECT is
   * still being handled (session takeover racing a broken handshake) can leave aedes holding a
   * client it never disconnects: it would stay counted as connected and keep its session.
   */
  private reapDeadClients(): void {
    for (const client of clientsOf(this.aedes)) {
      if (connectionGone(client)) {
        this.deps.log.warn({ cabinet: client.id }, 'closing a client whose connection is gone')
        client.close()
      }
    }
  }

  private listen(server: Server, port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        this.servers.push(server)
        resolve((server.address() as AddressInfo).port)
      })
    })
  }
}
