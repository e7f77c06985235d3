/**
 * A port's methods as `Promise`-returning ones: how a PostgreSQL store implements a port that is
 * synchronous for SQLite (docs/architecture.md, "PostgreSQL"). The port stays the one list of
 * operations; only the waiting differs. A method that returns nothing may answer something in
 * its asynchronous form (`PgDeliveryStore.enqueue` says which keys were new). Generic methods lose
 * their type parameter here (it becomes `unknown`); the implementations keep theirs.
 */
export type AsyncPort<P> = {
  [K in keyof P]: P[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Answer<R>> : P[K]
}

/** What a method that returns nothing returns. */
type Nothing = ReturnType<() => void>
type Answer<R> = [Awaited<R>] extends [Nothing] ? unknown : Awaited<R>
