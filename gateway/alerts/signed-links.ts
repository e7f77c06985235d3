import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { PurposeKey } from '../lib/secrets.ts'
import type { LinkUseStore } from './ports.ts'

/** What a link lets its holder do: a viewer link shows the alert, a maintainer link may acknowledge it once. */
export type LinkRole = 'viewer' | 'maintainer'

export interface LinkClaims {
  alertId: string
  expiresMs: number
  role: LinkRole
  /** Random, per link: what "used" is recorded against. */
  nonce: string
}

export type LinkCheck =
  | { ok: true; claims: LinkClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' | 'used' }

export interface SignedLinksDeps {
  /** A key derived for this purpose from the server key (SecretHasher.derive), never the raw key. */
  key: Pick<PurposeKey, 'mac'>
  uses: LinkUseStore
  clock: () => number
  ttlMs: number
}

const VERSION = '1'
const ROLE_CODE: Record<LinkRole, string> = { viewer: 'v', maintainer: 'm' }
const PAYLOAD_RE = /^1\.(al_[a-z0-9]{4,40})\.(\d{1,13})\.([vm])\.([A-Za-z0-9_-]{16})$/

/**
 * Signed, expiring links to one alert, carried by every notification so that a recipient can
 * open the alert and acknowledge it without an API token.
 *
 * A link is `base64url(payload).base64url(HMAC-SHA-256(key, payload))` with payload
 * `1.{alert id}.{expiry, epoch s}.{v|m}.{nonce}`. Changing any byte breaks the MAC (checked in
 * constant time); past its expiry it is refused; once it has acknowledged, its nonce is recorded
 * and it is refused from then on (single use). The record outlives a restart (state.db) and is
 * pruned after the link's expiry, when the expiry alone refuses it.
 */
export class SignedLinks {
  private readonly deps: SignedLinksDeps

  constructor(deps: SignedLinksDeps) {
    this.deps = deps
  }

  get ttlMs(): number {
    return this.deps.ttlMs
  }

  sign(
    alertId: string,
    role: LinkRole = 'maintainer',
    expiresMs = this.deps.clock() + this.deps.ttlMs,
  ): string {
    const nonce = randomBytes(12).toString('base64url')
    const payload = `${VERSION}.${alertId}.${Math.floor(expiresMs / 1000)}.${ROLE_CODE[role]}.${nonce}`
    return `${Buffer.from(payload, 'utf8').toString('base64url')}.${this.mac(payload).toString('base64url')}`
  }

  /** Checks signature, expiry and use, in that order: an altered link says nothing about its alert. */
  verify(token: string): LinkCheck {
    const parts = token.split('.')
    if (parts.length !== 2 || token.length > 400) return { ok: false, reason: 'malformed' }
    const payload = Buffer.from(parts[0] as string, 'base64url').toString('utf8')
    const given = Buffer.from(parts[1] as string, 'base64url')
    const expected = this.mac(payload)
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'bad_signature' }
    const m = PAYLOAD_RE.exec(payload)
    if (!m) return { ok: false, reason: 'malformed' }
    const claims: LinkClaims = {
      alertId: m[1] as string,
      expiresMs: Number(m[2]) * 1000,
      role: m[3] === 'm' ? 'maintainer' : 'viewer',
      nonce: m[4] as string,
    }
    if (this.deps.clock() >= claims.expiresMs) return { ok: false, reason: 'expired' }
    if (this.deps.uses.used(claims.nonce)) return { ok: false, reason: 'used' }
    return { ok: true, claims }
  }

  /**
   * Records the link as used; false when it already was (two clicks racing: only one wins).
   * `act` runs after the record; if it throws, the record is undone so the link still works.
   */
  consume<T>(claims: LinkClaims, act: () => T): { ok: true; value: T } | { ok: false } {
    const { uses } = this.deps
    if (!uses.claim(claims.nonce, claims.alertId, this.deps.clock(), claims.expiresMs)) return { ok: false }
    try {
      return { ok: true, value: act() }
    } catch (err) {
      uses.release(claims.nonce)
      throw err
    }
  }

  private mac(payload: string): Buffer {
    return this.deps.key.mac(payload)
  }
}

/** The console address of an alert's signed link; the link rides in the fragment, which browsers never send. */
export function consoleLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/console/#/link/${token}`
}
