import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import { newSalt, newSecret, type SecretHasher } from '../lib/secrets.ts'
import type { Registration } from '../protocol/registration.ts'
import type { CabinetRecord, RegistryStore } from './ports.ts'

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

export interface RegistryDeps {
  store: RegistryStore
  hasher: SecretHasher
  log: Logger
  clock: () => number
}

/**
 * Registered cabinets, kept in the registry store (state.db) and mirrored in memory: CONNECT and
 * every message look cabinets up here without touching disk.
 */
export class Registry {
  private readonly deps: RegistryDeps
  private readonly cabinets = new Map<string, Cabinet>()
  private readonly credentials = new Map<string, Credentials>()
  private readonly revokedListeners: Array<(id: string) => void> = []

  constructor(deps: RegistryDeps) {
    this.deps = deps
  }

  start(): void {
    const rows = this.deps.store.all()
    for (const r of rows) this.remember(r)
    this.deps.log.info({ cabinets: rows.length }, 'registry loaded')
  }

  /**
   * Called after a cabinet's credentials stop working (secret rotated, cabinet retired): the
   * composition root closes its open MQTT session here, so revocation takes effect at once.
   */
  onRevoked(listener: (id: string) => void): void {
    this.revokedListeners.push(listener)
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
    const row: CabinetRecord = {
      id: reg.id,
      registration: JSON.stringify(reg),
      secret_salt: salt,
      secret_hash: this.deps.hasher.hash(secret, salt),
      created_at: now,
      updated_at: now,
      retired: 0,
    }
    this.deps.store.insert(row)
    this.deps.log.info({ cabinet: reg.id, district: reg.district_code }, 'cabinet registered')
    return { secret, cabinet: this.remember(row) }
  }

  /**
   * Replaces a cabinet's registration details (id stays); the secret is unchanged, and a retired
   * cabinet stays retired (only `reinstate` brings it back).
   */
  update(reg: Registration): Cabinet {
    const current = this.mustGet(reg.id)
    const now = new Date(this.deps.clock()).toISOString()
    this.deps.store.updateRegistration(reg.id, JSON.stringify(reg), now)
    const next: Cabinet = { ...current, registration: reg, updatedAt: now }
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
    this.deps.store.updateSecret(id, salt, hash, now)
    this.credentials.set(id, { salt, hash })
    this.deps.log.info({ cabinet: id }, 'cabinet secret rotated')
    this.revoked(id)
    return secret
  }

  /** A retired cabinet keeps its history but may no longer connect and leaves the public feed. */
  retire(id: string): Cabinet {
    const current = this.mustGet(id)
    const now = new Date(this.deps.clock()).toISOString()
    this.deps.store.retire(id, now)
    const next = { ...current, retired: true, updatedAt: now }
    this.cabinets.set(id, next)
    this.revoked(id)
    return next
  }

  /** Brings a retired cabinet back: its secret works again and it returns to the public feed. */
  reinstate(id: string): Cabinet {
    const current = this.mustGet(id)
    const now = new Date(this.deps.clock()).toISOString()
    this.deps.store.reinstate(id, now)
    const next = { ...current, retired: false, updatedAt: now }
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

  private revoked(id: string): void {
    for (const listener of this.revokedListeners) listener(id)
  }

  private mustGet(id: string): Cabinet {
    const c = this.cabinets.get(id)
    if (!c) throw new AedgwError('AEDGW_ERR_CABINET_NOT_FOUND', `no cabinet ${id}`)
    return c
  }

  private remember(r: CabinetRecord): Cabinet {
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
