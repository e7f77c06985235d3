import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import {
  Aedes,
  type AedesPublishPacket,
  type AuthenticateError,
  type Client,
  type PublishPacket,
  type Subscription,
} from 'aedes'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { AedgwError } from '../lib/errors.ts'
import type { Metrics } from '../lib/metrics.ts'
import { cabinetTopic, isPublishLeaf, type PublishLeaf, parseTopic } from '../protocol/topics.ts'
import type { Registry } from '../registry/registry.ts'
import { decideConnect, remoteAddressOf } from './auth.ts'
import { LoginBackoff, RateLimiter } from './limits.ts'
import { PacketGuard } from './packet-guard.ts'
import { PublishQueue } from './publish-queue.ts'

export interface BrokerDeps {
  config: Pick<Config, 'mqtt'>
  log: Logger
  registry: Registry
  metrics: Metrics
  clock: () => number
  /**
   * Makes a cabinet's message durable. The PUBACK waits for it: aedes writes a QoS 1 PUBACK
   * before its `published` hook runs, so `authorizePublish` is the only hook that can gate it.
   * A rejection closes the connection without a PUBACK; the cabinet resends after reconnecting.
   */
  accept: (cabinet: string, leaf: PublishLeaf, payload: Buffer) => Promise<void>
}

const REAP_INTERVAL_MS = 5000

function denial(message: string): Error {
  return new AedgwError('AEDGW_ERR_ACL', message)
}

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
  private readonly rate: RateLimiter
  private readonly idBackoff: LoginBackoff
  private readonly addressBackoff: LoginBackoff
  private readonly ports = { mqtt: 0, mqtts: 0 }
  private readonly publishQueue = new PublishQueue(() => this.aedes)
  private reaper: NodeJS.Timeout | null = null

  constructor(deps: BrokerDeps) {
    super()
    this.deps = deps
    const m = deps.config.mqtt
    this.rate = new RateLimiter(m.rate.per_second, m.rate.burst, deps.clock)
    const backoff = { baseMs: m.login_backoff.base_ms, maxMs: m.login_backoff.max_ms }
    this.idBackoff = new LoginBackoff({ ...backoff, maxFailures: m.login_backoff.max_failures }, deps.clock)
    this.addressBackoff = new LoginBackoff(
      { ...backoff, maxFailures: m.login_backoff.max_failures_per_address || Number.MAX_SAFE_INTEGER },
      deps.clock,
    )
  }

  async start(): Promise<void> {
    const m = this.deps.config.mqtt
    const log = this.deps.log
    const aedes = await Aedes.createBroker({
      connectTimeout: m.connect_timeout_ms,
      keepaliveLimit: m.keepalive_limit_s,
      maxClientsIdLength: 64,
      authenticate: (client, username, password, cb) => this.authenticate(client, username, password, cb),
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => this.authorizeSubscribe(client, sub, cb),
    })
    this.aedes = aedes
    this.reaper = setInterval(() => this.reapDeadClients(), REAP_INTERVAL_MS)
    this.reaper.unref()
    aedes.on('client', (client) => {
      log.debug({ cabinet: client.id }, 'cabinet connected')
      this.emit('cabinet_connected', client.id)
    })
    aedes.on('clientDisconnect', (client) => {
      this.rate.forget(client.id)
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

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    cb: (err: AuthenticateError | null, ok: boolean | null) => void,
  ): void {
    const outcome = decideConnect(
      {
        registry: this.deps.registry,
        idBackoff: this.idBackoff,
        addressBackoff: this.addressBackoff,
        log: this.deps.log,
      },
      client,
      username,
      password,
    )
    if (outcome.ok) {
      cb(null, true)
      return
    }
    this.deps.metrics.loginFailures.inc({ reason: outcome.backoff ? 'back-off' : outcome.reason })
    if (!outcome.backoff) {
      this.deps.log.warn(
        { client: client.id, remote: remoteAddressOf(client), reason: outcome.reason },
        'login refused',
      )
    }
    const err = Object.assign(new Error(outcome.reason), { returnCode: outcome.code }) as AuthenticateError
    if (outcome.delayMs > 0) setTimeout(() => cb(err, null), outcome.delayMs)
    else cb(err, null)
  }

  private authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    cb: (err?: Error | null) => void,
  ): void {
    // client is null for the gateway's own publishes (commands, $SYS)
    if (!client) {
      cb(null)
      return
    }
    const t = parseTopic(packet.topic)
    if (!t || t.cabinetId !== client.id || !isPublishLeaf(t.leaf)) {
      this.deps.metrics.aclDenied.inc({ action: 'publish' })
      this.deps.log.warn({ cabinet: client.id, topic: packet.topic }, 'publish denied by ACL')
      cb(denial(`${client.id} may not publish to ${packet.topic}`))
      return
    }
    if (!this.rate.take(client.id)) {
      this.deps.metrics.rejected.inc({ reason: 'rate_limited' })
      this.deps.log.warn({ cabinet: client.id }, 'publish rate over limit: disconnecting without PUBACK')
      cb(new AedgwError('AEDGW_ERR_RATE', `${client.id} is over its publish rate`))
      return
    }
    this.deps.accept(client.id, t.leaf, packet.payload as Buffer).then(
      () => cb(null),
      (err: Error) => cb(err),
    )
  }

  private authorizeSubscribe(
    client: Client | null,
    sub: Subscription,
    cb: (err: Error | null, sub?: Subscription | null) => void,
  ): void {
    if (client && sub.topic === cabinetTopic(client.id, 'cmd')) {
      cb(null, sub)
      return
    }
    this.deps.metrics.aclDenied.inc({ action: 'subscribe' })
    this.deps.log.warn({ cabinet: client?.id, topic: sub.topic }, 'subscribe denied by ACL')
    // null grants nothing: the SUBACK carries 0x80 for this filter [MQTT-3.9.3]
    cb(null, null)
  }
}
