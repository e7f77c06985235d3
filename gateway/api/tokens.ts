import { randomBytes } from 'node:crypto'
import type { SecretHasher } from '../lib/secrets.ts'
import type { StoredToken, TokenStore } from './ports.ts'
import type { Role, TokenIdentity } from './roles.ts'

export { ROLES, type Role, roleAtLeast, type TokenIdentity } from './roles.ts'

// Tokens are random (192 bits), so a keyed hash without salt is safe and lets us look them up.
const TOKEN_SALT = Buffer.from('aedgw-api-token')

/** The keyed hash a token is stored and looked up by (the same in SQLite and PostgreSQL). */
export function tokenHash(hasher: SecretHasher, token: string): Buffer {
  return hasher.hash(token, TOKEN_SALT)
}

export interface ApiTokensDeps {
  store: TokenStore
  hasher: SecretHasher
  clock: () => number
}

/** API bearer tokens, stored only as keyed hashes in the token store (state.db). */
export class ApiTokens {
  private readonly deps: ApiTokensDeps
  private readonly cache = new Map<string, StoredToken | null>()

  constructor(deps: ApiTokensDeps) {
    this.deps = deps
  }

  /**
   * Makes `token` the admin bootstrap token (AEDGW_ADMIN_TOKEN); idempotent. It replaces the
   * previous bootstrap token: changing AEDGW_ADMIN_TOKEN and restarting revokes the old one.
   */
  bootstrapAdmin(token: string): void {
    this.deps.store.replaceBootstrap(this.hash(token), 'bootstrap-admin', this.now())
    this.cache.clear()
  }

  /** A new token, shown once; `expiresMs` (epoch ms) ends it, null keeps it until revoked. */
  create(name: string, role: Role, expiresMs: number | null = null): string {
    const token = `aedgw_${randomBytes(24).toString('base64url')}`
    const expires = expiresMs === null ? null : new Date(expiresMs).toISOString()
    this.deps.store.insert(this.hash(token), name, role, this.now(), expires)
    this.cache.clear()
    return token
  }

  list(): StoredToken[] {
    return this.deps.store.list()
  }

  /** Revokes a token by its public id; what it was, or null when there is none. */
  revoke(id: string): StoredToken | null {
    const removed = this.deps.store.remove(id)
    this.cache.clear()
    return removed
  }

  roleOf(token: string): Role | null {
    return this.identify(token)?.role ?? null
  }

  /** The token's name and role; null for an unknown or expired token. */
  identify(token: string): TokenIdentity | null {
    if (token.length < 16 || token.length > 256) return null
    const hash = this.hash(token)
    const key = hash.toString('base64')
    let stored = this.cache.get(key)
    if (stored === undefined) {
      stored = this.deps.store.find(hash)
      if (this.cache.size > 10_000) this.cache.clear()
      this.cache.set(key, stored)
    }
    if (!stored) return null
    if (stored.expires_at !== null && Date.parse(stored.expires_at) <= this.deps.clock()) return null
    return { name: stored.name, role: stored.role }
  }

  private hash(token: string): Buffer {
    return tokenHash(this.deps.hasher, token)
  }

  private now(): string {
    return new Date(this.deps.clock()).toISOString()
  }
}
