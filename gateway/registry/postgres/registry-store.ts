import type { AsyncPort } from '../../lib/postgres/async-port.ts'
import type { Queryable } from '../../lib/postgres/db.ts'
import type { CabinetRecord, RegistryStore } from '../ports.ts'

/** The registry's cabinets in PostgreSQL (table `cabinets`, migrations.ts). */
export class PgRegistryStore implements AsyncPort<RegistryStore> {
  private readonly db: Queryable

  constructor(db: Queryable) {
    this.db = db
  }

  async all(): Promise<CabinetRecord[]> {
    const { rows } = await this.db.query<CabinetRecord>('SELECT * FROM cabinets ORDER BY id')
    return rows
  }

  /** One cabinet, read on demand (the broker-auth endpoint of a worker without the full map). */
  async get(id: string): Promise<CabinetRecord | null> {
    const { rows } = await this.db.query<CabinetRecord>('SELECT * FROM cabinets WHERE id = $1', [id])
    return rows[0] ?? null
  }

  async insert(r: CabinetRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO cabinets (id, registration, secret_salt, secret_hash, created_at, updated_at, retired)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.id, r.registration, r.secret_salt, r.secret_hash, r.created_at, r.updated_at, r.retired],
    )
  }

  async updateRegistration(id: string, registration: string, updatedAt: string): Promise<void> {
    await this.db.query('UPDATE cabinets SET registration = $1, updated_at = $2, retired = 0 WHERE id = $3', [
      registration,
      updatedAt,
      id,
    ])
  }

  async updateSecret(id: string, salt: Buffer, hash: Buffer, updatedAt: string): Promise<void> {
    await this.db.query(
      'UPDATE cabinets SET secret_salt = $1, secret_hash = $2, updated_at = $3 WHERE id = $4',
      [salt, hash, updatedAt, id],
    )
  }

  async retire(id: string, updatedAt: string): Promise<void> {
    await this.db.query('UPDATE cabinets SET retired = 1, updated_at = $1 WHERE id = $2', [updatedAt, id])
  }

  async reinstate(id: string, updatedAt: string): Promise<void> {
    await this.db.query('UPDATE cabinets SET retired = 0, updated_at = $1 WHERE id = $2', [updatedAt, id])
  }
}
