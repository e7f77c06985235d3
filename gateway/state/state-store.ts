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

/** Cabinets saved per turn of the event loop: a fleet's worth of JSON would hold it for tens of ms. */
const PER_TURN = 32

/**
 * Saves live state to the live-state store: the cabinets changed since the last save, every
 * `intervalMs` and on stop, so the message path never waits for a disk write. A save goes
 * PER_TURN cabinets per transaction and turn of the event loop: with battery samples a cabinet's
 * state is kilobytes, and a door opened must not wait behind a whole fleet's.
 */
export class StateStore {
  private readonly deps: StateStoreDeps
  private timer: NodeJS.Timeout | null = null
  /** Cabinets of the save in progress not saved yet. */
  private queue: string[] = []
  private saving = false

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
    this.timer = setInterval(() => this.save(), this.deps.intervalMs)
    this.timer.unref()
    log.info({ cabinets: rows.length }, 'live state loaded')
  }

  /** Starts saving the changed cabinets, a slice per turn; one save at a time. */
  save(): void {
    if (this.saving) return
    // what a failed save left comes first, once
    this.queue = [...new Set([...this.queue, ...this.deps.state.takeDirty()])]
    if (this.queue.length === 0) return
    this.saving = true
    this.step()
  }

  private readonly step = (): void => {
    const slice = this.queue.slice(0, PER_TURN)
    try {
      this.write(slice)
    } catch (err) {
      // kept in the queue: the next save tries them again
      this.deps.log.error({ err }, 'live state not saved; retried with the next save')
      this.saving = false
      return
    }
    this.queue.splice(0, slice.length)
    if (this.queue.length > 0) setImmediate(this.step)
    else this.saving = false
  }

  /** Everything changed, at once (stop). */
  flush(): void {
    this.write([...this.queue.splice(0), ...this.deps.state.takeDirty()])
  }

  private write(ids: string[]): void {
    const { store, state, clock } = this.deps
    const changed: Array<{ cabinet: string; live: CabinetLive }> = []
    for (const id of ids) {
      const live = state.get(id)
      if (live) changed.push({ cabinet: id, live })
    }
    if (changed.length > 0) store.saveMany(changed, clock())
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.flush()
  }
}
