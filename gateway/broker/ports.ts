/** Where the broker keeps each cabinet's retained status (SQLite today: sqlite/retained-store.ts). */
export interface RetainedStore {
  /** Keeps the payload unless a newer one (by `atMs`) is already kept. */
  save(cabinet: string, payload: string, atMs: number): void
  all(): Array<{ cabinet: string; payload: string }>
}
