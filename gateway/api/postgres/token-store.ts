import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { TokenStore } from '../ports.ts'
import type { Role, TokenIdentity } from '../roles.ts'

/** API tokens in PostgreSQL (table `api_tokens`, migrations.ts), only as keyed hashes. */
export class PgTokenStore implements AsyncPort<TokenStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  async upsertAdmin(hash: Buffer, name: string, createdAt: string): Promise<void> {
    await this.db.query(
      `INSERT INTO api_tokens (hash, name, role, created_at) VALUES ($1, $2, 'admin', $3)
       ON CONFLICT (hash) DO UPDATE SET role = 'admin'`,
      [hash, name, createdAt],
    )
  }

  async insert(hash: Buffer, name: string, role: Role, createdAt: string): Promise<void> {
    await this.db.query('INSERT INTO api_tokens (hash, name, role, created_at) VALUES ($1, $2, $3, $4)', [
      hash,
      name,
      role,
      createdAt,
    ])
  }

  async find(hash: Buffer): Promise<TokenIdentity | null> {
    const { rows } = await this.db.query<TokenIdentity>('SELECT name, role FROM api_tokens WHERE hash = $1', [
      hash,
    ])
    const row = rows[0]
    return row ? { name: row.name, role: row.role } : null
  }
}
