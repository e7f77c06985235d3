import type { TLSSocket } from 'node:tls'
import type { Client } from 'aedes'
import type { Logger } from 'pino'
import { CABINET_ID_RE, cabinetTopic } from '../protocol/topics.ts'
import type { Registry } from '../registry/registry.ts'
import type { LoginBackoff } from './limits.ts'
import { PacketGuard } from './packet-guard.ts'

// CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]; aedes's AuthErrorCode is a type-only enum.
export const BAD_USERNAME_OR_PASSWORD = 4
export const NOT_AUTHORIZED = 5

/** Longest a refused CONNECT is held before its CONNACK while its key is in back-off. */
export const MAX_TARPIT_MS = 5000

export type AuthOutcome =
  | { ok: true; via: 'secret' | 'certificate' }
  | { ok: false; code: 4 | 5; reason: string; delayMs: number; backoff: boolean }

export interface AuthDeps {
  registry: Registry
  /** Back-off per cabinet id: stops guessing at one cabinet's secret. */
  idBackoff: LoginBackoff
  /** Back-off per remote address, with a higher threshold: many cabinets may share one NAT. */
  addressBackoff: LoginBackoff
  log: Logger
}

function peerCommonName(client: Client): { cn: string | null; presented: boolean } {
  const conn = (client as unknown as { conn: unknown }).conn
  const socket = conn instanceof PacketGuard ? conn.socket : null
  if (!socket || !('getPeerCertificate' in socket)) return { cn: null, presented: false }
  const tls = socket as TLSSocket
  const cert = tls.getPeerCertificate()
  if (!cert || Object.keys(cert).length === 0) return { cn: null, presented: false }
  const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : null
  return { cn: tls.authorized ? cn : null, presented: true }
}

export function remoteAddressOf(client: Client): string {
  const conn = (client as unknown as { conn: unknown }).conn
  return conn instanceof PacketGuard ? conn.remoteAddress : 'unknown'
}

/**
 * Decides a CONNECT: the client id must be the cabinet id, the username (when given) too; the
 * password is the cabinet's secret, or a CA-verified client certificate whose CN is the id.
 * A will, if any, must be the cabinet's own retained status topic.
 */
export function decideConnect(
  deps: AuthDeps,
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
): AuthOutcome {
  const id = client.id
  const addr = remoteAddressOf(client)
  // Back-off never locks out a cabinet that knows its secret (that would let anyone who knows
  // an id keep it offline); it makes wrong guesses slow and quiet: while a key is in back-off,
  // a failed attempt is refused only after `delayMs`, and not logged one by one.
  const wait = Math.max(deps.idBackoff.blockedFor(id), deps.addressBackoff.blockedFor(addr))
  const fail = (code: 4 | 5, reason: string): AuthOutcome => {
    deps.idBackoff.fail(id)
    deps.addressBackoff.fail(addr)
    if (wait > 0) return { ok: false, code, reason, delayMs: Math.min(wait, MAX_TARPIT_MS), backoff: true }
    return { ok: false, code, reason, delayMs: 0, backoff: false }
  }
  if (!CABINET_ID_RE.test(id)) return fail(NOT_AUTHORIZED, 'client id is not a cabinet id')
  if (username !== undefined && username !== id)
    return fail(NOT_AUTHORIZED, 'client id differs from username')
  const cabinet = deps.registry.get(id)
  if (!cabinet || cabinet.retired) return fail(BAD_USERNAME_OR_PASSWORD, 'unknown or retired cabinet')
  const will = (client as unknown as { _will?: { topic: string } | null })._will
  if (will && will.topic !== cabinetTopic(id, 'status'))
    return fail(NOT_AUTHORIZED, 'will topic is not the cabinet status')

  const peer = peerCommonName(client)
  let via: 'secret' | 'certificate'
  if (peer.presented) {
    if (peer.cn !== id)
      return fail(NOT_AUTHORIZED, 'client certificate not trusted or CN is not the cabinet id')
    via = 'certificate'
  } else {
    if (username === undefined || password === undefined)
      return fail(BAD_USERNAME_OR_PASSWORD, 'no credentials')
    if (!deps.registry.verifySecret(id, password.toString('utf8')))
      return fail(BAD_USERNAME_OR_PASSWORD, 'wrong secret')
    via = 'secret'
  }
  deps.idBackoff.succeed(id)
  deps.addressBackoff.succeed(addr)
  return { ok: true, via }
}
