import pg from 'pg'

/**
 * What a PostgreSQL store runs its statements on: the pool (each statement on its own) or one
 * client inside a transaction (`withTransaction`, `PgStateTransaction.withCabinet`). The stores
 * take either, so the same store code joins the caller's transaction when it is handed one.
 */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>

// int8 (bigint) columns hold the stores' millisecond times and counts: parse them as numbers
// (node-postgres returns strings by default, since int8 can exceed 2^53; epoch milliseconds and
// row counts do not).
const INT8_OID = 20
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
}

export interface PgPoolOptions {
  /** `postgres://user@host:port/db`, as in the cluster's configuration. */
  url: string
  max?: number
  /** Names the connections in `pg_stat_activity` (one name per worker). */
  applicationName?: string
  /** Told when an idle connection of the pool fails (a worker logs it); the pool replaces it. */
  onIdleError?: (err: Error) => void
}

/** A pool whose int8 columns arrive as numbers. */
export function createPgPool(o: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.max ?? 10,
    types,
    ...(o.applicationName ? { application_name: o.applicationName } : {}),
  })
  // an idle client whose server connection drops emits 'error' on the pool; without a listener
  // that would end the process. The pool discards the client; the next query gets a new one.
  pool.on('error', (err) => o.onIdleError?.(err))
  return pool
}

/**
 * Runs `fn` in one transaction on one client of the pool: COMMIT when it resolves, ROLLBACK when it
 * throws. A client whose connection failed is destroyed, not returned to the pool.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  // a connection lost while checked out emits 'error' on the client: keep it from ending the
  // process; the failing query rejects anyway
  const onError = () => {}
  client.on('error', onError)
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    // a failed ROLLBACK means the connection itself is gone: destroy the client
    await client.query('ROLLBACK').catch((e: unknown) => {
      broken = e as Error
    })
    throw err
  } finally {
    client.off('error', onError)
    client.release(broken)
  }
}

/** Two-key advisory locks: the first key names what is locked, so the uses never collide. */
export const LOCK_SPACE = {
  migrations: 1,
  cabinet: 2,
  lease: 3,
  audit: 4,
} as const
