import type Database from 'better-sqlite3'
import type { TokenStore } from '../ports.ts'
import type { Role, TokenIdentity } from '../tokens.ts'

/** API tokens in state.db (table `api_tokens`, migrations.ts). */
export class SqliteTokenStore implements TokenStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  upsertAdmin(hash: Buffer, name: string, createdAt: string): void {
    this.db
      .prepare(
        `INSERT INTO api_tokens (hash, name, role, created_at) VALUES (?, ?, 'admin', ?)
         ON CONFLICT (hash) DO UPDATE SET role = 'admin'`,
      )
      .run(hash, name, createdAt)
  }

  insert(hash: Buffer, name: string, role: Role, createdAt: string): void {
    this.db
      .prepare('INSERT INTO api_tokens (hash, name, role, created_at) VALUES (?, ?, ?, ?)')
      .run(hash, name, role, createdAt)
  }

  find(hash: Buffer): TokenIdentity | null {
    const row = this.db.prepare('SELECT name, role FROM api_tokens WHERE hash = ?').get(hash) as
      | TokenIdentity
      | undefined
    return row ? { name: row.name, role: row.role } : null
  }
}
