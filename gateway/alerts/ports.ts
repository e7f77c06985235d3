import type { Matcher } from './matchers.ts'
import type { Recurrence } from './recurrence.ts'

// The alert stages' stores besides AlertStore (alert-store.ts); SQLite today, in sqlite/.

/** One notification for one notifier, waiting for (another) attempt. */
export interface DeliveryRecord {
  id: string
  notifier: string
  payload: string
  created_ms: number
  attempts: number
  next_ms: number
}

/** The notify/retry stage's durable queue: a delivery is stored before its first attempt. */
export interface DeliveryStore {
  /** Stores the deliveries, all or none; one already stored (same id) is left as it is. */
  enqueue(records: DeliveryRecord[]): void
  /** Pending deliveries due at `nowMs`, the most overdue first. */
  due(nowMs: number, limit: number): DeliveryRecord[]
  pendingCount(): number
  delivered(id: string): void
  retryAt(id: string, attempts: number, nextMs: number, error: string): void
  /** Gives up on the delivery; kept for the record. */
  failed(id: string, error: string, attempts: number | null): void
  /** Deletes deliveries given up on that were queued before `beforeMs`; returns how many. */
  pruneFailed(beforeMs: number): number
}

/** A silence made through the API: alerts matching every matcher are muted between the times. */
export interface Silence {
  id: string
  matchers: Matcher[]
  starts_ms: number
  /** OPEN_ENDED (silences.ts): until expired (a recurring silence made without an end). */
  ends_ms: number
  /** Mutes only within these weekly slots between start and end (an inspection round). */
  recurrence?: Recurrence
  created_by: string
  comment: string
  created_ms: number
}

/** Silences made through the API; expired ones are kept for the record. */
export interface SilenceStore {
  all(): Silence[]
  insert(s: Silence): void
  update(s: Silence): void
}

/**
 * The unit of work around one cabinet's live state and its alerts: what `fn` writes through the
 * live-state and alert stores commits together or not at all. SQLite (sqlite/state-transaction.ts)
 * has a single writer, so its transaction is enough; PostgreSQL will take the cabinet's row lock
 * first (SELECT … FROM live_state WHERE cabinet = $1 FOR UPDATE), so two gateways never interleave
 * one cabinet's transitions (docs/architecture.md). `fn` must not await: ports are synchronous.
 */
export interface StateTransaction {
  withCabinet<T>(cabinet: string, fn: () => T): T
}

/** Uses of signed alert links (single use): a nonce once used is refused until the link expires. */
export interface LinkUseStore {
  /** Records the use; false when the nonce was used already. Forgets uses expired before `nowMs`. */
  claim(nonce: string, alertId: string, nowMs: number, expiresMs: number): boolean
  /** Forgets a use (the action it allowed failed: the link still works). */
  release(nonce: string): void
  used(nonce: string): boolean
}
