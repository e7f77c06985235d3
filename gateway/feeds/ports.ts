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
}
