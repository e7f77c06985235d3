import type pg from 'pg'
import { LOCK_SPACE, withTransaction } from '../../lib/postgres/db.ts'
import { PgLiveStateStore } from '../../state/postgres/live-state-store.ts'
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
}
