import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type { CabinetLive, LiveState } from './live-state.ts'

export interface StateStoreDeps {
  db: Database.Database
  state: LiveState
  log: Logger
  clock: () => number
  intervalMs: number
}

/**
 * Saves live state to state.db: the cabinets changed since the last save, in one transaction,
 * every `intervalMs` and on stop, so the message path never waits for a disk write.
 */
export class StateStore {
  private readonly deps: StateStoreDeps
  private timer: NodeJS.Timeout | null = null

  constructor(deps: StateStoreDeps) {
    this.deps = deps
  }

  /** Creates the table and loads every saved cabinet; connections did not survive the restart. */
  start(): void {
    const { db, state, log, clock } = this.deps
    db.exec(`CREATE TABLE IF NOT EXISTS live_state (
      cabinet TEXT PRIMARY KEY,
      data TEXT NOT NULL,
      updated_ms INTEGER NOT NULL
    )`)
    const rows = db.prepare('SELECT cabinet, data FROM live_state').all() as Array<{
      cabinet: string
      data: string
    }>
    for (const r of rows) state.restore(r.cabinet, JSON.parse(r.data) as CabinetLive)
    state.markAllDisconnected(clock())
    state.takeDirty()
    this.timer = setInterval(() => this.flush(), this.deps.intervalMs)
    this.timer.unref()
    log.info({ cabinets: rows.length }, 'live state loaded')
  }

  flush(): void {
    const { db, state, clock } = this.deps
    const ids = state.takeDirty()
    if (ids.length === 0) return
    const now = clock()
    const put = db.prepare(
      `INSERT INTO live_state (cabinet, data, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT (cabinet) DO UPDATE SET data = excluded.data, updated_ms = excluded.updated_ms`,
    )
    db.transaction(() => {
      for (const id of ids) {
        const c = state.get(id)
        if (c) put.run(id, JSON.stringify(c), now)
      }
    })()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.flush()
  }
}
