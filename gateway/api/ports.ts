import type { Role, TokenIdentity } from './roles.ts'

/**
 * Where API tokens are kept, only as keyed hashes (SQLite today: sqlite/token-store.ts). Lookups
 * are cached by ApiTokens, so a request reaches this store once per token.
 */
export interface TokenStore {
  /** Inserts the token as an admin, or makes an existing one admin. */
  upsertAdmin(hash: Buffer, name: string, createdAt: string): void
  insert(hash: Buffer, name: string, role: Role, createdAt: string): void
  find(hash: Buffer): TokenIdentity | null
}
