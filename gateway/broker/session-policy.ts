import type { PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import { RateLimiter } from './limits.ts'

/**
 * What the contract refuses in a PUBLISH before its topic is looked at: QoS 2 (cabinets publish at
 * QoS 0 or 1; aedes would answer PUBREC and keep the packet) and a QoS 1 packet id of 0, which
 * [MQTT-2.3.1-1] forbids. Refused in `authorizePublish`: aedes closes the connection without a
 * PUBACK or PUBREC.
 */
export function publishProblem(packet: Pick<PublishPacket, 'qos'> & { messageId?: number }): string | null {
  if (packet.qos === 2) return 'QoS 2 is not allowed (cabinets publish at QoS 0 or 1)'
  // strictly 0, as read from the wire: a will that aedes publishes for the client has no id
  if (packet.qos === 1 && packet.messageId === 0) return 'QoS 1 PUBLISH with packet id 0 [MQTT-2.3.1-1]'
  return null
}

/**
 * Keepalive policy [MQTT-3.1.2-10]: 0 turns keepalive off, which the spec allows, but the gateway
 * relies on it to notice a dead connection (the last will marks the cabinet offline) and to free
 * its file descriptor. With a limit set, 0 and values over it are refused with return code 5
 * (not authorized): aedes's own answer, 6, is not a code MQTT 3.1.1 defines.
 */
export function keepaliveAllowed(keepalive: number | undefined, limitS: number): boolean {
  if (limitS === 0) return true
  return keepalive !== undefined && keepalive > 0 && keepalive <= limitS
}

/**
 * CONNECTs per remote address (every attempt) and per cabinet id (logins that proved the secret),
 * so connect-burst-disconnect loops are slowed without letting a stranger lock a cabinet out.
 */
export class ConnectRate {
  private readonly perId: RateLimiter
  private readonly perAddress: RateLimiter

  constructor(opts: { per_minute: number; burst: number; per_address_burst: number }, clock: () => number) {
    this.perId = new RateLimiter(opts.per_minute / 60, opts.burst, clock)
    this.perAddress = new RateLimiter((opts.per_minute * 100) / 60, opts.per_address_burst, clock)
  }

  /** True when a CONNECT from this address may go on; every attempt takes a token. */
  takeAddress(address: string): boolean {
    return this.perAddress.take(address)
  }

  /** True when this cabinet, its secret checked, may connect again now. */
  takeId(id: string): boolean {
    return this.perId.take(id)
  }

  sweep(): void {
    this.perId.sweep()
    this.perAddress.sweep()
  }
}

/** How often one client's denied SUBSCRIBE filters are logged, at most. */
const DENIAL_LOG_INTERVAL_MS = 10_000

/**
 * Denied SUBSCRIBE filters per client: each is counted (metric, by the caller), the log gets one
 * summary line per client per 10 s instead of one line per filter, and a client that asks for
 * more than `maxDenied` filters it may not have on one connection is closed.
 */
export class SubscribeDenials {
  /** Per connection (aedes's client object): a reconnect starts afresh, a closed one is collected. */
  private readonly perClient = new WeakMap<object, { denied: number; unlogged: number; loggedAt: number }>()
  private readonly maxDenied: number
  private readonly log: Logger
  private readonly clock: () => number

  constructor(maxDenied: number, log: Logger, clock: () => number) {
    this.maxDenied = maxDenied
    this.log = log
    this.clock = clock
  }

  /**
   * Records one denied filter: 'close' once the client has asked too often (it must go),
   * 'closing' for the filters after that (aedes goes on through the packet), else 'deny'.
   */
  deny(client: object, clientId: string, topic: string): 'deny' | 'close' | 'closing' {
    const now = this.clock()
    let e = this.perClient.get(client)
    if (!e) {
      e = { denied: 0, unlogged: 0, loggedAt: Number.NEGATIVE_INFINITY }
      this.perClient.set(client, e)
    }
    e.denied++
    if (e.denied > this.maxDenied + 1) return 'closing'
    e.unlogged++
    const over = e.denied > this.maxDenied
    if (now - e.loggedAt >= DENIAL_LOG_INTERVAL_MS || over) {
      this.log.warn(
        { cabinet: clientId, last_topic: topic.slice(0, 128), denied: e.unlogged, total: e.denied },
        'subscribe denied by ACL',
      )
      e.unlogged = 0
      e.loggedAt = now
    }
    return over ? 'close' : 'deny'
  }
}
