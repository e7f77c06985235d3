import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Delivery } from '../../../gateway/alerts/delivery.ts'
import type { Notification } from '../../../gateway/alerts/notifiers/notifier.ts'
import { SqliteDeliveryStore } from '../../../gateway/alerts/sqlite/delivery-store.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'
import { FakeClock } from '../../helpers/readings.ts'
import { RecordingNotifier } from './harness.ts'

const BASE_MS = 10_000

function notification(id: string): Notification {
  return {
    version: '1',
    id,
    receiver: 'ops',
    status: 'firing',
    group_key: 'district=1001',
    group_labels: { district: '1001' },
    created_at: '2026-11-26T04:00:00.000Z',
    alerts: [],
  }
}

describe('delivery retries with an injected clock and random source', () => {
  let dir: string
  let db: Database.Database

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-delivery-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** One failed attempt at the clock's time with `random` fixed; returns the retry's delay. */
  async function retryDelay(random: number): Promise<number> {
    const clock = new FakeClock()
    const store = new SqliteDeliveryStore(db)
    const notifier = new RecordingNotifier('ops/webhook')
    notifier.answer = { ok: false, retryable: true, error: 'HTTP 503' }
    const delivery = new Delivery({
      store,
      receivers: new Map([['ops', [notifier]]]),
      config: { retry_base_ms: BASE_MS, retry_max_ms: 600_000, give_up_after_ms: 0 },
      log: createLogger('silent'),
      clock: clock.fn,
      random: () => random,
    })
    const id = `n_${random}`
    delivery.enqueue('ops', notification(id))
    await delivery.idle()
    expect(store.due(clock.now, 10).filter((d) => d.id.startsWith(id))).toEqual([])
    const [retry] = store.due(Number.MAX_SAFE_INTEGER, 10).filter((d) => d.id === `${id}/ops/webhook`)
    expect(retry?.attempts).toBe(1)
    return (retry?.next_ms ?? 0) - clock.now
  }

  it('waits half the backoff plus the random share of the other half', async () => {
    expect(await retryDelay(0)).toBe(5_000)
    expect(await retryDelay(0.5)).toBe(7_500)
    expect(await retryDelay(0.99)).toBe(9_950)
  })
})
