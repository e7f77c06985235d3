import type { Alert, AlertState, Transition } from './types.ts'

export interface AlertFilter {
  states?: AlertState[] | undefined
  cabinet?: string | undefined
  type?: string | undefined
  severity?: string | undefined
  district?: string | undefined
  team?: string | undefined
  assignee?: string | undefined
  limit: number
}

/**
 * Where alerts, their transitions and the stages' small durable values are kept (SQLite today:
 * sqlite/alert-store.ts). Written only on transitions (rare), never per message; the evaluator
 * works from the in-memory copy the lifecycle keeps.
 */
export interface AlertStore {
  /** The alert's new version and the transition that made it, atomically. */
  record(alert: Alert, t: Transition): void
  /** Open alerts, and those resolved since `resolvedSince` (candidates for reopening). */
  loadCurrent(resolvedSince: number): Alert[]
  get(id: string): Alert | null
  list(f: AlertFilter): Alert[]
  transitions(alertId: string): Transition[]
  /** Small durable values of the pipeline stages (group state, rule holds). */
  getKv<T>(key: string): T | null
  /** Values whose key starts with `prefix`. */
  listKv<T>(prefix: string): T[]
  /** Sets a value; null deletes it. */
  setKv(key: string, value: unknown): void
  /** Deletes alerts resolved before `beforeMs`, with their transitions; returns how many alerts. */
  pruneResolved(beforeMs: number): number
}
