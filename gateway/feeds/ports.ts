/** A cabinet's last readiness point written to InfluxDB: readiness and its sorted reason codes. */
export interface ReadinessLast {
  cabinet: string
  readiness: string
  reason_codes: string
}

/**
 * Where readiness history keeps the last point written per cabinet (SQLite today:
 * sqlite/readiness-history-store.ts), so a restart does not write every cabinet again.
 */
export interface ReadinessHistoryStore {
  all(): ReadinessLast[]
  save(last: ReadinessLast, writtenMs: number): void
  /** Cabinets whose readiness history waits to be recomputed because late readings came in. */
  lateMarks(): LateMark[]
  /** Saves (or moves) these cabinets' marks, all in one write. */
  saveLateMarks(marks: LateMark[]): void
  /** Drops the mark once recomputed, unless later data moved it since (`seen_ms` newer). */
  clearLateMark(cabinet: string, seenMs: number): void
}

/**
 * A cabinet's late readings not yet reflected in its readiness history: the earliest device
 * time among them and the latest gateway time one arrived.
 */
export interface LateMark {
  cabinet: string
  from_ms: number
  seen_ms: number
}

/** The last snapshot of a feed pushed to its receiver (by whichever process held the push then). */
export interface PushedSnapshot {
  etag: string
  body: string
  pushed_ms: number
}

/**
 * What the cluster's scheduled feed jobs share between the workers that take turns holding their
 * leases (PostgreSQL: postgres/job-store.ts): the months whose scheduled BKKHDC build fell due
 * and whether each is done, and the health-map snapshot last pushed.
 */
export interface FeedJobStore {
  /** Records that the scheduled build of `month` fell due (every worker's schedule does; once kept). */
  markDue(month: string, nowMs: number): Promise<void>
  /** Months fallen due whose scheduled build is not done, oldest first. */
  pendingMonths(): Promise<string[]>
  monthDone(month: string, nowMs: number): Promise<void>
  lastPush(feed: string): Promise<PushedSnapshot | null>
  savePush(feed: string, pushed: PushedSnapshot): Promise<void>
}
