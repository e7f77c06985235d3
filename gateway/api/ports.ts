import type { Role } from './roles.ts'

/** A token as stored: its public id (a prefix of its hash), never the token itself. */
export interface StoredToken {
  id: string
  name: string
  role: Role
  created_at: string
  expires_at: string | null
  /** 1 for the AEDGW_ADMIN_TOKEN bootstrap token. */
  bootstrap: number
}

/**
 * Where API tokens are kept, only as keyed hashes (SQLite today: sqlite/token-store.ts). Lookups
 * are cached by ApiTokens, so a request reaches this store once per token.
 */
export interface TokenStore {
  /** Makes the token the bootstrap admin, deleting the previous bootstrap token. */
  replaceBootstrap(hash: Buffer, name: string, createdAt: string): void
  insert(hash: Buffer, name: string, role: Role, createdAt: string, expiresAt: string | null): void
  find(hash: Buffer): StoredToken | null
  list(): StoredToken[]
  /** Deletes the token with this public id; returns what it was, or null. */
  remove(id: string): StoredToken | null
}
