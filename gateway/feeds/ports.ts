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
  saveLateMark(mark: LateMark): void
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
