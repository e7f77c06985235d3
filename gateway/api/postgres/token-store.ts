import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { StoredToken, TokenStore } from '../ports.ts'
import type { Role } from '../roles.ts'

/** The public id of a token: the first 16 hex digits of its keyed hash (never the token). */
const ID = "substr(encode(hash, 'hex'), 1, 16)"
const COLUMNS = `${ID} AS id, name, role, created_at, expires_at, bootstrap`

/** API tokens in PostgreSQL (table `api_tokens`, migrations.ts), only as keyed hashes. */
export class PgTokenStore implements AsyncPort<TokenStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  /** One statement: the previous bootstrap token goes as the new one arrives. */
  async replaceBootstrap(hash: Buffer, name: string, createdAt: string): Promise<void> {
    await this.db.query(
      `WITH gone AS (DELETE FROM api_tokens WHERE bootstrap = 1 AND hash <> $1)
       INSERT INTO api_tokens (hash, name, role, created_at, bootstrap) VALUES ($1, $2, 'admin', $3, 1)
       ON CONFLICT (hash) DO UPDATE SET role = 'admin', bootstrap = 1, expires_at = NULL`,
      [hash, name, createdAt],
    )
  }

  async insert(
    hash: Buffer,
    name: string,
    role: Role,
    createdAt: string,
    expiresAt: string | null,
  ): Promise<void> {
    await this.db.query(
      'INSERT INTO api_tokens (hash, name, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [hash, name, role, createdAt, expiresAt],
    )
  }

  async find(hash: Buffer): Promise<StoredToken | null> {
    const { rows } = await this.db.query<StoredToken>(`SELECT ${COLUMNS} FROM api_tokens WHERE hash = $1`, [
      hash,
    ])
    return rows[0] ?? null
  }

  async list(): Promise<StoredToken[]> {
    const { rows } = await this.db.query<StoredToken>(
      `SELECT ${COLUMNS} FROM api_tokens ORDER BY created_at, name`,
    )
    return rows
  }

  async remove(id: string): Promise<StoredToken | null> {
    const { rows } = await this.db.query<StoredToken>(
      `DELETE FROM api_tokens WHERE ${ID} = $1 RETURNING ${COLUMNS}`,
      [id],
    )
    return rows[0] ?? null
  }
}
