import type { AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { AedgwError } from '../lib/errors.ts'
import type { HeapRelease } from '../lib/heap-release.ts'
import type { Metrics } from '../lib/metrics.ts'
import { cabinetTopic, isPublishLeaf, type PublishLeaf, parseTopic } from '../protocol/topics.ts'
import type { Registry } from '../registry/registry.ts'
import { decideConnect, remoteAddressOf } from './auth.ts'
import type { InflightGate } from './inflight-gate.ts'
import { LoginBackoff, RateLimiter } from './limits.ts'
import { PacketGuard } from './packet-guard.ts'
import { ConnectRate, keepaliveAllowed, publishProblem, SubscribeDenials } from './session-policy.ts'

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
  /** Gives the heap back after a backlog (and after other bursts the composition root reports). */
  heapRelease?: HeapRelease
}

function denial(message: string): Error {
  return new AedgwError('AEDGW_ERR_ACL', message)
}

/**
 * The policy aedes is handed (its authenticate and authorize hooks) and the state it keeps:
 * publish rate buckets, login back-off, connect rate, subscribe denials.
 */
export class BrokerHooks {
  private readonly deps: BrokerDeps
  private readonly rate: RateLimiter
  private readonly idBackoff: LoginBackoff
  private readonly addressBackoff: LoginBackoff
  private readonly connectRate: ConnectRate
  private readonly subscribeDenials: SubscribeDenials
  /** CONNECT keepalives, seen in preConnect (authenticate is not given the packet). */
  private readonly keepalives = new WeakMap<Client, number>()
  private readonly gate: InflightGate | null

  constructor(deps: BrokerDeps, gate: InflightGate | null = null) {
    this.deps = deps
    this.gate = gate
    const m = deps.config.mqtt
    this.rate = new RateLimiter(m.rate.per_second, m.rate.burst, deps.clock)
    const backoff = { baseMs: m.login_backoff.base_ms, maxMs: m.login_backoff.max_ms }
    this.idBackoff = new LoginBackoff({ ...backoff, maxFailures: m.login_backoff.max_failures }, deps.clock)
    this.addressBackoff = new LoginBackoff(
      { ...backoff, maxFailures: m.login_backoff.max_failures_per_address || Number.MAX_SAFE_INTEGER },
      deps.clock,
    )
    this.connectRate = new ConnectRate(m.connect_rate, deps.clock)
    this.subscribeDenials = new SubscribeDenials(m.max_denied_subscriptions, deps.log, deps.clock)
  }

  /** Drops rate buckets idle long enough to be full again. */
  sweep(): void {
    this.rate.sweep()
    this.connectRate.sweep()
  }

  preConnect(client: Client, packet: ConnectPacket, cb: (err: Error | null, ok: boolean) => void): void {
    this.keepalives.set(client, packet.keepalive ?? 0)
    cb(null, true)
  }

  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    cb: (err: AuthenticateError | null, ok: boolean | null) => void,
  ): void {
    const m = this.deps.config.mqtt
    const refuse = (code: 3 | 5, reason: string) => {
      this.deps.metrics.loginFailures.inc({ reason })
      cb(Object.assign(new Error(reason), { returnCode: code }) as AuthenticateError, null)
    }
    if (!keepaliveAllowed(this.keepalives.get(client), m.keepalive_limit_s)) {
      refuse(5, 'keepalive 0 or over the limit')
      return
    }
    // per address before the secret is hashed: a reconnect loop costs a refusal, not a scrypt
    if (!this.connectRate.takeAddress(remoteAddressOf(client))) {
      refuse(3, 'reconnecting too often')
      return
    }
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
      // per cabinet only once the secret is proven: whoever merely knows an id cannot use up
      // the cabinet's own reconnects (the same reason the login back-off never locks it out)
      if (!this.connectRate.takeId(client.id)) refuse(3, 'reconnecting too often')
      else cb(null, true)
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

  authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
    // client is null for the gateway's own publishes (commands, $SYS)
    if (!client) {
      cb(null)
      return
    }
    const problem = publishProblem(packet)
    if (problem) {
      this.deps.metrics.rejected.inc({ reason: 'protocol' })
      this.deps.log.warn({ cabinet: client.id, problem }, 'publish refused: connection closed')
      cb(new AedgwError('AEDGW_ERR_ACL', problem))
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
    const conn = (client as unknown as { conn?: unknown }).conn
    const reader = this.gate && conn instanceof PacketGuard ? conn : null
    if (reader) this.gate?.take(reader)
    this.deps.accept(client.id, t.leaf, packet.payload as Buffer).then(
      () => {
        if (reader) this.gate?.settle(reader)
        cb(null)
      },
      (err: Error) => {
        if (reader) this.gate?.settle(reader)
        cb(err)
      },
    )
  }

  authorizeSubscribe(
    client: Client | null,
    sub: Subscription,
    cb: (err: Error | null, sub?: Subscription | null) => void,
  ): void {
    if (client && sub.topic === cabinetTopic(client.id, 'cmd')) {
      cb(null, sub)
      return
    }
    this.deps.metrics.aclDenied.inc({ action: 'subscribe' })
    const verdict = client ? this.subscribeDenials.deny(client, client.id, sub.topic) : 'deny'
    if (client && verdict !== 'deny') {
      if (verdict === 'close') {
        this.deps.metrics.rejected.inc({ reason: 'subscribe_denied_repeatedly' })
        client.close()
      }
      cb(new AedgwError('AEDGW_ERR_ACL', `${client.id} keeps subscribing to what it may not`))
      return
    }
    // null grants nothing: the SUBACK carries 0x80 for this filter [MQTT-3.9.3]
    cb(null, null)
  }
}
