import type Database from 'better-sqlite3'
import type { StoredToken, TokenStore } from '../ports.ts'
import type { Role } from '../tokens.ts'

/** The public id of a token: the first 16 hex digits of its keyed hash (never the token). */
const ID = 'lower(substr(hex(hash), 1, 16))'

/** API tokens in state.db (table `api_tokens`, migrations.ts). */
export class SqliteTokenStore implements TokenStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  replaceBootstrap(hash: Buffer, name: string, createdAt: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM api_tokens WHERE bootstrap = 1 AND hash != ?').run(hash)
      this.db
        .prepare(
          `INSERT INTO api_tokens (hash, name, role, created_at, bootstrap) VALUES (?, ?, 'admin', ?, 1)
           ON CONFLICT (hash) DO UPDATE SET role = 'admin', bootstrap = 1, expires_at = NULL`,
        )
        .run(hash, name, createdAt)
    })()
  }

  insert(hash: Buffer, name: string, role: Role, createdAt: string, expiresAt: string | null): void {
    this.db
      .prepare('INSERT INTO api_tokens (hash, name, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(hash, name, role, createdAt, expiresAt)
  }

  find(hash: Buffer): StoredToken | null {
    const row = this.db
      .prepare(
        `SELECT ${ID} AS id, name, role, created_at, expires_at, bootstrap FROM api_tokens WHERE hash = ?`,
      )
      .get(hash) as StoredToken | undefined
    return row ?? null
  }

  list(): StoredToken[] {
    return this.db
      .prepare(
        `SELECT ${ID} AS id, name, role, created_at, expires_at, bootstrap FROM api_tokens ORDER BY created_at, name`,
      )
      .all() as StoredToken[]
  }

  remove(id: string): StoredToken | null {
    const row = this.db
      .prepare(
        `SELECT ${ID} AS id, name, role, created_at, expires_at, bootstrap FROM api_tokens WHERE ${ID} = ?`,
      )
      .get(id) as StoredToken | undefined
    if (!row) return null
    this.db.prepare(`DELETE FROM api_tokens WHERE ${ID} = ?`).run(id)
    return row
  }
}
