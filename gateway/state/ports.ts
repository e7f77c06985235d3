import type { CabinetLive } from './live-state.ts'

/**
 * Where live state is saved (SQLite today: sqlite/live-state-store.ts). Written in batches by
 * StateStore, never per message: the message path reads and writes only memory.
 */
export interface LiveStateStore {
  loadAll(): Array<{ cabinet: string; live: CabinetLive }>
  /** Saves the cabinets' state, all or none. */
  saveMany(cabinets: Array<{ cabinet: string; live: CabinetLive }>, nowMs: number): void
}
