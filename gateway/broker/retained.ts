import { cabinetTopic } from '../protocol/topics.ts'
import type { RetainedStore } from './ports.ts'

/**
 * The retained `status` of each cabinet, kept in the retained store (state.db) so that it (and so
 * the last will's "offline") survives a gateway restart: aedes keeps retained messages only in memory.
 */
export class RetainedStatus {
  private readonly store: RetainedStore

  constructor(store: RetainedStore) {
    this.store = store
  }

  save(cabinet: string, payload: string, atMs: number): void {
    this.store.save(cabinet, payload, atMs)
  }

  all(): Array<{ topic: string; payload: string }> {
    return this.store.all().map((r) => ({ topic: cabinetTopic(r.cabinet, 'status'), payload: r.payload }))
  }
}
