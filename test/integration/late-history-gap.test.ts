import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../gateway/config/load.ts'
import { LateHistory } from '../../gateway/feeds/late-history.ts'
import { type ReadinessAt, ReadinessReplay } from '../../gateway/feeds/readiness-replay.ts'
import { SqliteReadinessHistoryStore } from '../../gateway/feeds/sqlite/readiness-history-store.ts'
import type { Reading } from '../../gateway/ingest/ingest.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import type { CabinetEvent } from '../../gateway/protocol/event.ts'
import type { Heartbeat } from '../../gateway/protocol/heartbeat.ts'
import { Registry } from '../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../gateway/registry/sqlite/registry-store.ts'
import { readinessOf } from '../../gateway/rules/readiness.ts'
import { STATE_DB_MIGRATIONS } from '../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../gateway/store/database.ts'
import { InfluxApi } from '../../gateway/store/influx.ts'
import { eventLine, heartbeatLine, readinessLine } from '../../gateway/store/schema/index.ts'
import { influxUrl } from '../helpers/influx.ts'

const MIN = 60_000
const DAY = 86_400_000
const CABINET = 'BKK-1001-0301'
// mid-morning UTC: the recompute's days, counted from its window, are not UTC days
const T0 = Date.UTC(2026, 3, 1, 9, 17)
const T1 = T0 + 120 * DAY
const NOW = T1 + 2 * 60 * MIN

function hb(ts: number, seq: number): Heartbeat {
  return {
    ts,
    seq,
    battery_pct: 87,
    pad_expiry: '2026-06-15',
    door: 'closed',
    aed_present: true,
    self_test: 'pass',
    power: 'mains',
    interval_s: 60,
  }
}

/** Half an hour of heartbeats a minute apart from `from`, seq from `seq0`. */
const halfHour = (from: number, seq0: number) =>
  Array.from({ length: 30 }, (_, k) => hb(from + k * MIN, seq0 + k))

describe('late history across a gap of months', () => {
  const config = loadConfig({}, { influx: { url: influxUrl(), db: `t_${randomBytes(6).toString('hex')}` } })
  const th = config.alerts.rules
  const readinessAt: ReadinessAt = (cabinet, live, now) => readinessOf({ cabinet, live, info: null, now, th })
  let dir: string
  let db: Database.Database
  let registry: Registry
  const influx = new InfluxApi(config.influx)
  const beats = [...halfHour(T0, 1), ...halfHour(T1, 31)]
  // the self-test the cabinet reported on coming back
  const selfTest: CabinetEvent = { ts: T1 + 10 * MIN + 30_000, seq: 100, type: 'self_test', result: 'pass' }

  beforeAll(async () => {
    await influx.ensureDatabase()
    const meta = (timeMs: number) => ({
      cabinet: CABINET,
      district: '1001',
      timeMs,
      receivedMs: NOW,
      skewMs: 0,
      skewed: false,
    })
    await influx.write([
      ...beats.map((h) => heartbeatLine(h, meta(h.ts))),
      eventLine(selfTest, meta(selfTest.ts)),
    ])
    dir = mkdtempSync(join(tmpdir(), 'aedgw-late-gap-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
    registry = new Registry({
      store: new SqliteRegistryStore(db),
      hasher: new SecretHasher(Buffer.alloc(32, 7)),
      log: pino({ level: 'silent' }),
      clock: () => T0 - DAY,
    })
    registry.register({ id: CABINET, name: 'Gap', lat: 13.75, lon: 100.5, district_code: '1001' })
  })
  afterAll(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('asks InfluxDB for the days that hold readings only, and writes what a replay of them all gives', async () => {
    const queries: string[] = []
    const written: string[] = []
    const late = new LateHistory({
      config: config.feeds.late_history,
      store: new SqliteReadinessHistoryStore(db),
      registry,
      influx: {
        query: (q, o) => {
          queries.push(q)
          return influx.query(q, o)
        },
        write: (lines) => {
          written.push(...lines)
          return influx.write(lines)
        },
      },
      db: config.influx.db,
      rollups: false,
      readinessAt,
      outboxPendingSinceMs: () => null,
      log: pino({ level: 'silent' }),
    })
    late.start()
    late.note({ kind: 'heartbeat', cabinet: CABINET, meta: { timeMs: T0, receivedMs: NOW } } as Reading)
    const out = await late.recompute(NOW + config.feeds.late_history.settle_ms, () => 0)

    // every reading replayed in order, the way the recompute replays what it reads back
    const end = NOW + config.feeds.late_history.settle_ms
    const replay = new ReadinessReplay(CABINET, readinessAt, T0, config.feeds.late_history.step_ms)
    for (const h of beats.filter((b) => b.ts < selfTest.ts)) replay.heartbeat(h)
    replay.event(selfTest)
    for (const h of beats.filter((b) => b.ts > selfTest.ts)) replay.heartbeat(h)
    const last = replay.finish(end)
    const expected = replay.changes.map((c) =>
      readinessLine({
        cabinet: CABINET,
        district: '1001',
        readiness: c.readiness,
        reasons: c.reasons,
        lat: 13.75,
        lon: 100.5,
        atMs: c.atMs,
      }),
    )
    // ready, then offline through the gap, pads expired while it was away, then back
    expect(new Set(replay.changes.map((c) => c.readiness)).size).toBeGreaterThan(1)
    expect(written).toEqual(expected)
    expect(out.get(CABINET)?.readiness).toBe(last?.readiness)

    // the window spans about 120 days: which days hold readings, the heartbeat before the
    // window, the two days of readings and the delete; one query a day was over 120
    expect(queries.length).toBe(5)
  })
})
