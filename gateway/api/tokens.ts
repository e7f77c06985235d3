import { randomBytes } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { SecretHasher } from '../lib/secrets.ts'

// dispatcher: an emergency dispatch centre (1669); reads like a viewer and sees live nearest AEDs
export const ROLES = ['viewer', 'dispatcher', 'maintainer', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface TokenIdentity {
  name: string
  role: Role
}

export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need)
}

// Tokens are random (192 bits), so a keyed hash without salt is safe and lets us look them up.
const TOKEN_SALT = Buffer.from('aedgw-api-token')

/** API bearer tokens, stored only as keyed hashes in state.db. */
export class ApiTokens {
  private readonly db: Database.Database
  private readonly hasher: SecretHasher
  private readonly cache = new Map<string, TokenIdentity | null>()

  constructor(db: Database.Database, hasher: SecretHasher) {
    this.db = db
    this.hasher = hasher
  }

  /** Makes sure `token` is an admin token (the AEDGW_ADMIN_TOKEN bootstrap); idempotent. */
  bootstrapAdmin(token: string): void {
    this.db
      .prepare(
        `INSERT INTO api_tokens (hash, name, role, created_at) VALUES (?, 'bootstrap-admin', 'admin', ?)
         ON CONFLICT (hash) DO UPDATE SET role = 'admin'`,
      )
      .run(this.hasher.hash(token, TOKEN_SALT), new Date().toISOString())
    this.cache.clear()
  }

  create(name: string, role: Role): string {
    const token = `aedgw_${randomBytes(24).toString('base64url')}`
    this.db
      .prepare('INSERT INTO api_tokens (hash, name, role, created_at) VALUES (?, ?, ?, ?)')
      .run(this.hasher.hash(token, TOKEN_SALT), name, role, new Date().toISOString())
    this.cache.clear()
    return token
  }

  roleOf(token: string): Role | null {
    return this.identify(token)?.role ?? null
  }

  /** The token's name and role; null for an unknown token. */
  identify(token: string): TokenIdentity | null {
    if (token.length < 16 || token.length > 256) return null
    const hash = this.hasher.hash(token, TOKEN_SALT)
    const key = hash.toString('base64')
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached
    const row = this.db.prepare('SELECT name, role FROM api_tokens WHERE hash = ?').get(hash) as
      | TokenIdentity
      | undefined
    const identity = row ? { name: row.name, role: row.role } : null
    if (this.cache.size > 10_000) this.cache.clear()
    this.cache.set(key, identity)
    return identity
  }
}
