import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import type { Notification, Notifier, SendResult } from '../../../gateway/alerts/notifiers/notifier.ts'
import { loadConfig, merge } from '../../../gateway/config/load.ts'
import type { Config } from '../../../gateway/config/schema.ts'
import type { Reading } from '../../../gateway/ingest/ingest.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
import { Registry } from '../../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../../gateway/registry/sqlite/registry-store.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'
import { type Alerting, buildAlerting } from '../../../gateway/wiring/alerting.ts'
import { FakeClock } from '../../helpers/readings.ts'

/** A receiver that keeps what it was sent; `answer` decides how it responds. */
export class RecordingNotifier implements Notifier {
  readonly name: string
  readonly received: Notification[] = []
  answer: SendResult = { ok: true }
  constructor(name: string) {
    this.name = name
  }
  async send(n: Notification): Promise<SendResult> {
    if (this.answer.ok) this.received.push(n)
    return this.answer
  }
}

export interface Harness {
  clock: FakeClock
  alerting: Alerting
  registry: Registry
  db: Database.Database
  lines: string[]
  receivers: Record<string, RecordingNotifier>
  feed(r: Reading): void
  /** Advances the clock and runs the scheduler tick, letting deliveries finish. */
  step(ms: number): Promise<void>
  /** A new gateway process on the same data dir (state, alerts, deliveries reloaded). */
  restart(): Promise<Harness>
  close(): Promise<void>
}

const log = createLogger('silent')

/** The alerting stages as the gateway wires them, over a real state.db, registry and fake clock; the InfluxDB outbox is a list. */
export async function alertingHarness(
  alerts: Record<string, unknown> = {},
  cabinets: Array<{ id: string; district?: string }> = [{ id: 'C-001' }],
  reuse?: { dir: string; clock: FakeClock },
): Promise<Harness> {
  const dir = reuse?.dir ?? mkdtempSync(join(tmpdir(), 'aedgw-alerts-'))
  const clock = reuse?.clock ?? new FakeClock()
  // heartbeats are fed by hand: a day-long interval keeps missed-heartbeat offline alerts out of the way
  const quiet = { rules: { offline: { default_heartbeat_interval_s: 86_400 } } }
  const config = loadConfig({}, { data_dir: dir, alerts: merge(quiet, alerts) }) as Config
  const db = openStateDb(dir, STATE_DB_MIGRATIONS)
  const registry = new Registry({
    store: new SqliteRegistryStore(db),
    hasher: SecretHasher.fromDataDir(dir),
    log,
    clock: clock.fn,
  })
  registry.start()
  if (!reuse) {
    for (const c of cabinets) {
      registry.register({
        id: c.id,
        name: `Cabinet ${c.id}`,
        lat: 13.75,
        lon: 100.5,
        district_code: c.district ?? '1001',
      })
    }
  }
  const names = new Set(['default', 'log', ...config.alerts.receivers.map((r) => r.name)])
  const receivers: Record<string, RecordingNotifier> = {}
  const map = new Map<string, Notifier[]>()
  for (const n of names) {
    receivers[n] = new RecordingNotifier(`${n}/test`)
    map.set(n, [receivers[n]])
  }
  const lines: string[] = []
  const state = new LiveState()
  const alerting = buildAlerting({
    config: config.alerts,
    db,
    state,
    registry,
    outbox: { append: async (_c, line) => void lines.push(line) },
    log,
    clock: clock.fn,
    receivers: map,
  })
  alerting.start()
  const h: Harness = {
    clock,
    alerting,
    registry,
    db,
    lines,
    receivers,
    feed: (r) => alerting.onReading(r),
    async step(ms) {
      clock.advance(ms)
      alerting.tick()
      await alerting.delivery.idle()
    },
    async restart() {
      await alerting.stop()
      db.close()
      return alertingHarness(alerts, cabinets, { dir, clock })
    },
    async close() {
      await alerting.stop()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await alerting.delivery.idle()
  return h
}
