import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import { newSalt, newSecret, type SecretHasher } from '../lib/secrets.ts'
import type { Registration } from '../protocol/registration.ts'

export interface Cabinet {
  registration: Registration
  createdAt: string
  updatedAt: string
  retired: boolean
}

interface Credentials {
  salt: Buffer
  hash: Buffer
}

interface Row {
  id: string
  registration: string
  secret_salt: Buffer
  secret_hash: Buffer
  created_at: string
  updated_at: string
  retired: number
}

export interface RegistryDeps {
  db: Database.Database
  hasher: SecretHasher
  log: Logger
  clock: () => number
}

/**
 * Registered cabinets, kept in state.db and mirrored in memory: CONNECT and every message look
 * cabinets up here without touching disk.
 */
export class Registry {
  private readonly deps: RegistryDeps
  private readonly cabinets = new Map<string, Cabinet>()
  private readonly credentials = new Map<string, Credentials>()

  constructor(deps: RegistryDeps) {
    this.deps = deps
  }

  start(): void {
    const rows = this.deps.db.prepare('SELECT * FROM cabinets').all() as Row[]
    for (const r of rows) this.remember(r)
    this.deps.log.info({ cabinets: rows.length }, 'registry loaded')
  }

  get(id: string): Cabinet | undefined {
    return this.cabinets.get(id)
  }

  list(): Cabinet[] {
    return [...this.cabinets.values()]
  }

  size(): number {
    return this.cabinets.size
  }

  /** Registers a new cabinet; returns its secret, which is never stored in clear. */
  register(reg: Registration): { secret: string; cabinet: Cabinet } {
    if (this.cabinets.has(reg.id)) {
      throw new AedgwError('AEDGW_ERR_CABINET_EXISTS', `cabinet ${reg.id} is already registered`)
    }
    const now = new Date(this.deps.clock()).toISOString()
    const secret = newSecret()
    const salt = newSalt()
    const row: Row = {
      id: reg.id,
      registration: JSON.stringify(reg),
      secret_salt: salt,
      secret_hash: this.deps.hasher.hash(secret, salt),
      created_at: now,
      updated_at: now,
      retired: 0,
    }
    this.deps.db
      .prepare(
        `INSERT INTO cabinets (id, registration, secret_salt, secret_hash, created_at, updated_at, retired)
         VALUES (@id, @registration, @secret_salt, @secret_hash, @created_at, @updated_at, @retired)`,
      )
      .run(row)
    this.deps.log.info({ cabinet: reg.id, district: reg.district_code }, 'cabinet registered')
    return { secret, cabinet: this.remember(row) }
  }

  /** Replaces a cabinet's registration details (id stays); the secret is unchanged. */
  update(reg: Registration): Cabinet {
    const current = this.mustGet(reg.id)
    const now = new Date(this.deps.clock()).toISOString()
    this.deps.db
      .prepare('UPDATE cabinets SET registration = ?, updated_at = ?, retired = 0 WHERE id = ?')
      .run(JSON.stringify(reg), now, reg.id)
    const next: Cabinet = { ...current, registration: reg, updatedAt: now, retired: false }
    this.cabinets.set(reg.id, next)
    return next
  }

  /** Issues a new secret; the old one stops working at once. */
  rotateSecret(id: string): string {
    this.mustGet(id)
    const secret = newSecret()
    const salt = newSalt()
    const hash = this.deps.hasher.hash(secret, salt)
    const now = new Date(this.deps.clock()).toISOString()
    this.deps.db
      .prepare('UPDATE cabinets SET secret_salt = ?, secret_hash = ?, updated_at = ? WHERE id = ?')
      .run(salt, hash, now, id)
    this.credentials.set(id, { salt, hash })
    this.deps.log.info({ cabinet: id }, 'cabinet secret rotated')
    return secret
  }

  /** A retired cabinet keeps its history but may no longer connect and leaves the public feed. */
  retire(id: string): Cabinet {
    const current = this.mustGet(id)
    const now = new Date(this.deps.clock()).toISOString()
    this.deps.db.prepare('UPDATE cabinets SET retired = 1, updated_at = ? WHERE id = ?').run(now, id)
    const next = { ...current, retired: true, updatedAt: now }
    this.cabinets.set(id, next)
    return next
  }

  /** Constant-time secret check; false for unknown or retired cabinets. */
  verifySecret(id: string, secret: string): boolean {
    const cred = this.credentials.get(id)
    const cabinet = this.cabinets.get(id)
    if (!cred || !cabinet || cabinet.retired) return false
    return this.deps.hasher.verify(secret, cred.salt, cred.hash)
  }

  private mustGet(id: string): Cabinet {
    const c = this.cabinets.get(id)
    if (!c) throw new AedgwError('AEDGW_ERR_CABINET_NOT_FOUND', `no cabinet ${id}`)
    return c
  }

  private remember(r: Row): Cabinet {
    const cabinet: Cabinet = {
      registration: JSON.parse(r.registration) as Registration,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      retired: r.retired === 1,
    }
    this.cabinets.set(r.id, cabinet)
    this.credentials.set(r.id, { salt: r.secret_salt, hash: r.secret_hash })
    return cabinet
  }
}
