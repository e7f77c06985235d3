import type pg from 'pg'
import { LOCK_SPACE, withTransaction } from '../../lib/postgres/db.ts'
import type { CabinetLive } from '../../state/live-state.ts'
import { PgLiveStateStore } from '../../state/postgres/live-state-store.ts'
import type { AlertFilter } from '../alert-store.ts'
import type { Alert, Transition } from '../types.ts'
import { PgAlertStore } from './alert-store.ts'
import { PgDeliveryStore } from './delivery-store.ts'

/** The stores of one cabinet's transaction, all on its client: what they write commits together. */
export interface CabinetUnit {
  live: PgLiveStateStore
  alerts: PgAlertStore
  deliveries: PgDeliveryStore
  client: pg.PoolClient
}

/**
 * The unit of work over one cabinet's live state, its alerts and the notifications they cause, for
 * PostgreSQL: the asynchronous twin of `StateTransaction` (../ports.ts) that cluster workers use.
 *
 * It opens a transaction and first takes the cabinet's lock,
 * `pg_advisory_xact_lock(cabinet space, hashtext(cabinet))`, then runs `fn`, then commits. Two
 * workers handed the same cabinet's messages therefore run one after the other: the second reads
 * what the first committed (its open alert, its delivery keys) and does not open the alert again.
 * An advisory lock rather than `SELECT … FOR UPDATE` on the `live_state` row, because a new
 * cabinet has no row yet and a placeholder row would be a half-written state. The lock goes with
 * the transaction: at COMMIT, at ROLLBACK, or when the worker's connection dies (then PostgreSQL
 * rolls everything back, and nothing of `fn`'s writes is visible to anyone). Different cabinets
 * do not wait for each other (a hash collision only makes two cabinets share a lock). One lock per
 * transaction, so no deadlock between cabinets.
 */
export class PgStateTransaction {
  private readonly pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.pool = pool
  }

  withCabinet<T>(cabinet: string, fn: (unit: CabinetUnit) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE.cabinet, cabinet])
      return fn({
        live: new PgLiveStateStore(client),
        alerts: new PgAlertStore(client),
        deliveries: new PgDeliveryStore(client),
        client,
      })
    })
  }

  /** A batch of cabinets in one transaction (`withCabinets` below). */
  withCabinets<T>(
    cabinets: readonly string[],
    fn: (unitOf: (cabinet: string) => CabinetUnit) => Promise<T>,
    nowMs: number,
  ): Promise<T> {
    return withCabinets(this.pool, cabinets, fn, nowMs)
  }
}

/**
 * Many cabinets in one transaction: a worker's batch. It takes every cabinet's lock in one
 * statement, in the cabinets' order (so two batches, or a batch and the sweep's one-cabinet
 * transactions, cannot wait on each other crosswise; PostgreSQL would break such a cycle with an
 * error and the batch would be retried), reads their live states and open alerts in one statement
 * each, runs `fn` with a unit per cabinet that answers those reads from what it read, saves every
 * state in one statement, and commits once. What a cabinet's unit writes besides its state
 * (alerts, deliveries, stage keys) goes to PostgreSQL as it happens, inside the same transaction.
 * All or nothing: a failure rolls back every cabinet of the batch.
 */
export async function withCabinets<T>(
  pool: pg.Pool,
  cabinets: readonly string[],
  fn: (unitOf: (cabinet: string) => CabinetUnit) => Promise<T>,
  nowMs: number,
): Promise<T> {
  const sorted = [...new Set(cabinets)].sort()
  return withTransaction(pool, async (client) => {
    await client.query(
      `SELECT pg_advisory_xact_lock($1, hashtext(c))
       FROM (SELECT c FROM unnest($2::text[]) AS c ORDER BY c) AS ordered`,
      [LOCK_SPACE.cabinet, sorted],
    )
    const states = await client.query<{ cabinet: string; data: CabinetLive }>(
      'SELECT cabinet, data FROM live_state WHERE cabinet = ANY($1::text[])',
      [sorted],
    )
    const open = await client.query<{ data: Alert }>(
      "SELECT data FROM alerts WHERE cabinet = ANY($1::text[]) AND state <> 'resolved'",
      [sorted],
    )
    const live = new Map(states.rows.map((r) => [r.cabinet, r.data]))
    const alerts = new Map<string, Alert[]>(sorted.map((c) => [c, []]))
    for (const { data } of open.rows) alerts.get(data.cabinet_id)?.push(data)
    const saved = new Map<string, CabinetLive>()
    const units = new Map<string, CabinetUnit>()
    const unitOf = (cabinet: string): CabinetUnit => {
      let unit = units.get(cabinet)
      if (unit) return unit
      if (!alerts.has(cabinet)) throw new Error(`cabinet ${cabinet} is not in this batch`)
      unit = {
        live: new PrefetchedLive(client, cabinet, live, saved),
        alerts: new PrefetchedAlerts(client, cabinet, alerts),
        deliveries: new PgDeliveryStore(client),
        client,
      }
      units.set(cabinet, unit)
      return unit
    }
    const out = await fn(unitOf)
    await new PgLiveStateStore(client).saveMany(
      [...saved].map(([cabinet, l]) => ({ cabinet, live: l })),
      nowMs,
    )
    return out
  })
}

const OPEN: readonly string[] = ['active', 'acknowledged']

/** A cabinet's live state inside a batch: read at the start, saved with the others at the end. */
class PrefetchedLive extends PgLiveStateStore {
  private readonly cabinet: string
  private readonly read: Map<string, CabinetLive>
  private readonly saved: Map<string, CabinetLive>

  constructor(
    client: pg.PoolClient,
    cabinet: string,
    read: Map<string, CabinetLive>,
    saved: Map<string, CabinetLive>,
  ) {
    super(client)
    this.cabinet = cabinet
    this.read = read
    this.saved = saved
  }

  override async get(cabinet: string): Promise<CabinetLive | null> {
    this.mine(cabinet)
    return this.saved.get(cabinet) ?? this.read.get(cabinet) ?? null
  }

  override async save(cabinet: string, live: CabinetLive): Promise<void> {
    this.mine(cabinet)
    this.saved.set(cabinet, live)
  }

  private mine(cabinet: string): void {
    if (cabinet !== this.cabinet)
      throw new Error(`cabinet ${cabinet} read or saved through ${this.cabinet}'s unit`)
  }
}

/**
 * A cabinet's alert store inside a batch: its open alerts as read at the start of the batch,
 * until it records one; any other read goes to PostgreSQL.
 */
class PrefetchedAlerts extends PgAlertStore {
  private readonly cabinet: string
  private readonly open: Map<string, Alert[]>

  constructor(client: pg.PoolClient, cabinet: string, open: Map<string, Alert[]>) {
    super(client)
    this.cabinet = cabinet
    this.open = open
  }

  override async list(f: AlertFilter): Promise<Alert[]> {
    const mine = this.open.get(this.cabinet)
    const onlyOpenOfMine =
      f.cabinet === this.cabinet &&
      f.states?.length === OPEN.length &&
      f.states.every((s) => OPEN.includes(s)) &&
      Object.entries(f).every(([k, v]) => v === undefined || ['cabinet', 'states', 'limit'].includes(k))
    if (mine && onlyOpenOfMine) return mine.slice(0, f.limit)
    return super.list(f)
  }

  override async record(alert: Alert, t: Transition): Promise<void> {
    await super.record(alert, t)
    // from now on this cabinet's open alerts are read from the transaction itself
    if (alert.cabinet_id === this.cabinet) this.open.delete(this.cabinet)
  }
}
