import { randomBytes } from 'node:crypto'
import type { SecretHasher } from '../lib/secrets.ts'
import type { TokenStore } from './ports.ts'
import type { Role, TokenIdentity } from './roles.ts'

export { ROLES, type Role, roleAtLeast, type TokenIdentity } from './roles.ts'

// Tokens are random (192 bits), so a keyed hash without salt is safe and lets us look them up.
const TOKEN_SALT = Buffer.from('aedgw-api-token')

export interface ApiTokensDeps {
  store: TokenStore
  hasher: SecretHasher
  clock: () => number
}

/** API bearer tokens, stored only as keyed hashes in the token store (state.db). */
export class ApiTokens {
  private readonly deps: ApiTokensDeps
  private readonly cache = new Map<string, TokenIdentity | null>()

  constructor(deps: ApiTokensDeps) {
    this.deps = deps
  }

  /** Makes sure `token` is an admin token (the AEDGW_ADMIN_TOKEN bootstrap); idempotent. */
  bootstrapAdmin(token: string): void {
    this.deps.store.upsertAdmin(this.hash(token), 'bootstrap-admin', this.now())
    this.cache.clear()
  }

  create(name: string, role: Role): string {
    const token = `aedgw_${randomBytes(24).toString('base64url')}`
    this.deps.store.insert(this.hash(token), name, role, this.now())
    this.cache.clear()
    return token
  }

  roleOf(token: string): Role | null {
    return this.identify(token)?.role ?? null
  }

  /** The token's name and role; null for an unknown token. */
  identify(token: string): TokenIdentity | null {
    if (token.length < 16 || token.length > 256) return null
    const hash = this.hash(token)
    const key = hash.toString('base64')
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached
    const identity = this.deps.store.find(hash)
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(key, identity)
    return identity
  }

  private hash(token: string): Buffer {
    return this.deps.hasher.hash(token, TOKEN_SALT)
  }

  private now(): string {
    return new Date(this.deps.clock()).toISOString()
  }
}
