import type pg from 'pg'
import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import { newSalt, newSecret, type SecretHasher } from '../lib/secrets.ts'
import type { Registration } from '../protocol/registration.ts'
import type { CabinetRecord, RegistryStore } from '../registry/ports.ts'
import { PgRegistryStore } from '../registry/postgres/registry-store.ts'
import { type Cabinet, Registry } from '../registry/registry.ts'

export interface RegistryMirrorDeps {
  pool: pg.Pool
  hasher: SecretHasher
  refreshMs: number
  log: Logger
  clock: () => number
}

/** A registry store that holds one read of PostgreSQL: a worker's mirror never writes through it. */
function snapshotStore(rows: CabinetRecord[]): RegistryStore {
  const readOnly = () => {
    throw new AedgwError('AEDGW_ERR_INTERNAL', 'the registry mirror of a worker is read-only')
  }
  return {
    all: () => rows,
    insert: readOnly,
    updateRegistration: readOnly,
    updateSecret: readOnly,
    retire: readOnly,
    reinstate: readOnly,
  }
}

/**
 * A worker's view of the registry in PostgreSQL: the whole table read at start and every
 * `refreshMs`, so a message's district and the broker-auth decisions are answered from memory.
 * A registration, secret rotation or retirement reaches the workers within `refreshMs` (and
 * RabbitMQ's auth cache adds its TTL on top; docs/cluster.md).
 */
export class RegistryMirror {
  private readonly deps: RegistryMirrorDeps
  private current: Registry
  private timer: NodeJS.Timeout | null = null

  constructor(deps: RegistryMirrorDeps) {
    this.deps = deps
    this.current = this.registryOf([])
  }

  async start(): Promise<void> {
    await this.refresh()
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.deps.log.warn({ err }, 'registry refresh failed'))
    }, this.deps.refreshMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  async refresh(): Promise<void> {
    const rows = await new PgRegistryStore(this.deps.pool).all()
    this.current = this.registryOf(rows)
  }

  get(id: string): Cabinet | undefined {
    return this.current.get(id)
  }

  list(): Cabinet[] {
    return this.current.list()
  }

  verifySecret(id: string, secret: string): boolean {
    return this.current.verifySecret(id, secret)
  }

  private registryOf(rows: CabinetRecord[]): Registry {
    // quiet: a refresh every few seconds is not news
    const log = this.deps.log.child({ module: 'registry' })
    log.level = 'warn'
    const r = new Registry({
      store: snapshotStore(rows),
      hasher: this.deps.hasher,
      log,
      clock: this.deps.clock,
    })
    r.start()
    return r
  }
}

/**
 * Registers a cabinet straight into the PostgreSQL registry (a worker's `POST /api/v1/cabinets`,
 * the cluster's tools and tests); returns its secret, stored only hashed with the cluster's key.
 */
export async function registerInPostgres(
  pool: pg.Pool,
  hasher: SecretHasher,
  reg: Registration,
  nowMs: number,
): Promise<string> {
  const secret = newSecret()
  const salt = newSalt()
  const at = new Date(nowMs).toISOString()
  await new PgRegistryStore(pool).insert({
    id: reg.id,
    registration: JSON.stringify(reg),
    secret_salt: salt,
    secret_hash: hasher.hash(secret, salt),
    created_at: at,
    updated_at: at,
    retired: 0,
  })
  return secret
}
