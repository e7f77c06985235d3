import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import type { SecretHasher } from '../../lib/secrets.ts'
import type { StoredToken } from '../ports.ts'
import type { Role, TokenIdentity } from '../roles.ts'
import { tokenHash } from '../tokens.ts'
import { PgTokenStore } from './token-store.ts'

export interface PgApiTokensDeps {
  pool: pg.Pool
  hasher: SecretHasher
  clock: () => number
  /** How long a lookup is remembered: a token revoked through another worker stops working after this. */
  cacheMs: number
}

/**
 * API bearer tokens for the API of a worker, from PostgreSQL (`api_tokens`, as keyed hashes with
 * the key every worker's data dir holds): the same tokens and roles on every worker. Lookups are
 * remembered for `cacheMs`, since a revocation may happen on another worker (embedded mode clears
 * its cache when it revokes, being the only writer).
 */
export class PgApiTokens {
  private readonly deps: PgApiTokensDeps
  private readonly store: PgTokenStore
  private readonly cache = new Map<string, { token: StoredToken | null; until: number }>()

  constructor(deps: PgApiTokensDeps) {
    this.deps = deps
    this.store = new PgTokenStore(deps.pool)
  }

  /** Makes `token` the bootstrap admin (AEDGW_ADMIN_TOKEN); idempotent, the same on every worker. */
  async bootstrapAdmin(token: string): Promise<void> {
    const now = new Date(this.deps.clock()).toISOString()
    await this.store.replaceBootstrap(tokenHash(this.deps.hasher, token), 'bootstrap-admin', now)
    this.cache.clear()
  }

  /** A new token, shown once; `expiresMs` (epoch ms) ends it, null keeps it until revoked. */
  async create(name: string, role: Role, expiresMs: number | null): Promise<string> {
    const token = `aedgw_${randomBytes(24).toString('base64url')}`
    const expires = expiresMs === null ? null : new Date(expiresMs).toISOString()
    const now = new Date(this.deps.clock()).toISOString()
    await this.store.insert(tokenHash(this.deps.hasher, token), name, role, now, expires)
    return token
  }

  list(): Promise<StoredToken[]> {
    return this.store.list()
  }

  /** Revokes a token by its public id: at once on this worker, on the others within `cacheMs`. */
  async revoke(id: string): Promise<StoredToken | null> {
    const removed = await this.store.remove(id)
    this.cache.clear()
    return removed
  }

  /** The token's name and role; null for an unknown or expired token. */
  async identify(token: string): Promise<TokenIdentity | null> {
    if (token.length < 16 || token.length > 256) return null
    const hash = tokenHash(this.deps.hasher, token)
    const key = hash.toString('base64')
    const now = this.deps.clock()
    let hit = this.cache.get(key)
    if (!hit || hit.until <= now) {
      hit = { token: await this.store.find(hash), until: now + this.deps.cacheMs }
      if (this.cache.size > 10_000) this.cache.clear()
      this.cache.set(key, hit)
    }
    const stored = hit.token
    if (!stored) return null
    if (stored.expires_at !== null && Date.parse(stored.expires_at) <= now) return null
    return { name: stored.name, role: stored.role }
  }
}
