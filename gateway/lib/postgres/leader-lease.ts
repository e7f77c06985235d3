import type pg from 'pg'
import { LOCK_SPACE } from './db.ts'

/**
 * "This worker runs the job" for scheduled jobs in cluster mode (the BKKHDC build, escalations,
 * feed pushes): a session-level advisory lock, `pg_try_advisory_lock(lease space, hashtext(name))`,
 * held on a connection of its own. PostgreSQL releases it when that connection ends, so when the
 * holder dies (process killed, connection reset) another worker's next `tryAcquire` gets it;
 * nothing has to expire first. A lease row with an expiry would need clocks to agree and a renew
 * loop; the lock needs neither.
 *
 * The holder must stop acting as soon as its connection is lost: `held` turns false then (the
 * lock is gone on the server too), and `runIfLeader` runs nothing. A connection that hangs without
 * closing keeps the lock until the server notices (`tcp_keepalives_*`, docs/architecture.md).
 * Session locks need a direct connection (or PgBouncer in session mode): in transaction pooling
 * the lock would stay on a server connection other clients then use.
 */
export class LeaderLease {
  private readonly pool: pg.Pool
  private readonly name: string
  private client: pg.PoolClient | null = null
  private onLost: ((err?: Error) => void) | null = null
  private acquiring: Promise<boolean> | null = null

  constructor(pool: pg.Pool, name: string) {
    this.pool = pool
    this.name = name
  }

  get held(): boolean {
    return this.client !== null
  }

  /** Takes the lease if no live connection holds it; true when this worker holds it (now or already). */
  async tryAcquire(): Promise<boolean> {
    if (this.client) return true
    // two ticks asking at once share one attempt (a second connection would find the lock taken)
    this.acquiring ??= this.acquire().finally(() => {
      this.acquiring = null
    })
    return this.acquiring
  }

  private async acquire(): Promise<boolean> {
    const client = await this.pool.connect()
    const lost = (err?: Error) => {
      if (this.client !== client) return
      this.forget(client)
      client.release(err ?? true)
    }
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
        [LOCK_SPACE.lease, this.name],
      )
      if (!rows[0]?.ok) {
        client.release()
        return false
      }
    } catch (err) {
      client.release(err as Error)
      throw err
    }
    this.client = client
    this.onLost = lost
    client.on('error', lost)
    client.on('end', lost)
    return true
  }

  /** Runs `fn` only while this worker holds the lease (taking it first if free). */
  async runIfLeader<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (!(await this.tryAcquire())) return { ran: false }
    return { ran: true, value: await fn() }
  }

  /** Gives the lease up (on stop): the next worker's `tryAcquire` gets it. */
  async release(): Promise<void> {
    const client = this.client
    if (!client) return
    this.forget(client)
    try {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE.lease, this.name])
      client.release()
    } catch (err) {
      client.release(err as Error)
    }
  }

  private forget(client: pg.PoolClient): void {
    if (this.onLost) {
      client.off('error', this.onLost)
      client.off('end', this.onLost)
    }
    this.client = null
    this.onLost = null
  }
}
