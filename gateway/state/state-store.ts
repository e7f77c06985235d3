import type { Logger } from 'pino'
import type { CabinetLive, LiveState } from './live-state.ts'
import type { LiveStateStore } from './ports.ts'

export interface StateStoreDeps {
  store: LiveStateStore
  state: LiveState
  log: Logger
  clock: () => number
  intervalMs: number
}

/**
 * Saves live state to the live-state store: the cabinets changed since the last save, in one
 * transaction, every `intervalMs` and on stop, so the message path never waits for a disk write.
 */
export class StateStore {
  private readonly deps: StateStoreDeps
  private timer: NodeJS.Timeout | null = null

  constructor(deps: StateStoreDeps) {
    this.deps = deps
  }

  /** Loads every saved cabinet; connections did not survive the restart. */
  start(): void {
    const { store, state, log, clock } = this.deps
    const rows = store.loadAll()
    for (const r of rows) state.restore(r.cabinet, r.live)
    state.markAllDisconnected(clock())
    state.takeDirty()
    this.timer = setInterval(() => this.flush(), this.deps.intervalMs)
    this.timer.unref()
    log.info({ cabinets: rows.length }, 'live state loaded')
  }

  flush(): void {
    const { store, state, clock } = this.deps
    const ids = state.takeDirty()
    if (ids.length === 0) return
    const changed: Array<{ cabinet: string; live: CabinetLive }> = []
    for (const id of ids) {
      const live = state.get(id)
      if (live) changed.push({ cabinet: id, live })
    }
    store.saveMany(changed, clock())
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.flush()
  }
}
