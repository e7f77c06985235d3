import type Database from 'better-sqlite3'
import type { CabinetRecord, RegistryStore } from '../ports.ts'

/** The registry's cabinets in state.db (table `cabinets`, migrations.ts). */
export class SqliteRegistryStore implements RegistryStore {
  private readonly db: Database.Database

  constructor(db: Database.Database) {
    this.db = db
  }

  all(): CabinetRecord[] {
    return this.db.prepare('SELECT * FROM cabinets').all() as CabinetRecord[]
  }

  insert(r: CabinetRecord): void {
    this.db
      .prepare(
        `INSERT INTO cabinets (id, registration, secret_salt, secret_hash, created_at, updated_at, retired)
         VALUES (@id, @registration, @secret_salt, @secret_hash, @created_at, @updated_at, @retired)`,
      )
      .run(r)
  }

  updateRegistration(id: string, registration: string, updatedAt: string): void {
    this.db
      .prepare('UPDATE cabinets SET registration = ?, updated_at = ? WHERE id = ?')
      .run(registration, updatedAt, id)
  }

  updateSecret(id: string, salt: Buffer, hash: Buffer, updatedAt: string): void {
    this.db
      .prepare('UPDATE cabinets SET secret_salt = ?, secret_hash = ?, updated_at = ? WHERE id = ?')
      .run(salt, hash, updatedAt, id)
  }

  retire(id: string, updatedAt: string): void {
    this.db.prepare('UPDATE cabinets SET retired = 1, updated_at = ? WHERE id = ?').run(updatedAt, id)
  }

  reinstate(id: string, updatedAt: string): void {
    this.db.prepare('UPDATE cabinets SET retired = 0, updated_at = ? WHERE id = ?').run(updatedAt, id)
  }
}
