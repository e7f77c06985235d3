import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'
import { SqliteLiveStateStore } from '../../../gateway/state/sqlite/live-state-store.ts'
import { StateStore } from '../../../gateway/state/state-store.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'

const log = createLogger('silent')
const CABINETS = 100
const turn = () => new Promise((r) => setImmediate(r))

describe('saving live state', () => {
  let dir: string
  let db: Database.Database
  let state: LiveState
  const clock = new FakeClock()

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-state-store-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
    state = new LiveState()
    for (let i = 0; i < CABINETS; i++)
      state.onReading(hbReading(`C-${String(i).padStart(3, '0')}`, clock.now))
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const stateStore = (store: ConstructorParameters<typeof StateStore>[0]['store']) =>
    new StateStore({ store, state, log, clock: () => clock.now, intervalMs: 60_000 })
  const saved = () => (db.prepare('SELECT count(*) AS n FROM live_state').get() as { n: number }).n

  it('saves a fleet a slice per turn of the event loop, and every cabinet in the end', async () => {
    const store = stateStore(new SqliteLiveStateStore(db))
    store.save()
    // the first slice only, within the call: the rest waits for the next turns
    const first = saved()
    expect(first).toBeGreaterThan(0)
    expect(first).toBeLessThan(CABINETS)
    for (let i = 0; i < 10 && saved() < CABINETS; i++) await turn()
    expect(saved()).toBe(CABINETS)
    // what was restored equals what was in memory
    const again = new LiveState()
    const rows = new SqliteLiveStateStore(db).loadAll()
    for (const r of rows) again.restore(r.cabinet, r.live)
    expect(again.get('C-042')?.last_heartbeat).toEqual(state.get('C-042')?.last_heartbeat)
  })

  it('keeps what a failed save did not write and writes it with the next one', async () => {
    const real = new SqliteLiveStateStore(db)
    let fail = true
    const flaky = {
      loadAll: () => real.loadAll(),
      saveMany: (rows: Parameters<SqliteLiveStateStore['saveMany']>[0], now: number) => {
        if (fail) throw new Error('disk I/O error')
        real.saveMany(rows, now)
      },
    }
    const store = stateStore(flaky)
    store.save()
    await turn()
    expect(saved()).toBe(0)
    fail = false
    store.save()
    for (let i = 0; i < 10 && saved() < CABINETS; i++) await turn()
    expect(saved()).toBe(CABINETS)
  })

  it('writes everything at once on stop, a save in progress included', () => {
    const store = stateStore(new SqliteLiveStateStore(db))
    store.save()
    store.stop()
    expect(saved()).toBe(CABINETS)
  })
})
