import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { maintenanceList, workListCsv } from '../../../gateway/alerts/maintenance-list.ts'
import type { Notifier } from '../../../gateway/alerts/notifiers/notifier.ts'
import { loadConfig, merge } from '../../../gateway/config/load.ts'
import type { Config } from '../../../gateway/config/schema.ts'
import { Coverage } from '../../../gateway/coverage/coverage.ts'
import { workListByImpact } from '../../../gateway/coverage/work-list.ts'
import { OpeningHoursEvaluator } from '../../../gateway/feeds/healthmap/opening-hours.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
import { Registry } from '../../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../../gateway/registry/sqlite/registry-store.ts'
import { Thresholds } from '../../../gateway/rules/thresholds.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'
import { type Alerting, buildAlerting } from '../../../gateway/wiring/alerting.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'
import { RecordingNotifier } from '../alerts/harness.ts'
import { bkk, CENTRE, offset } from './fixture-city.ts'

const log = createLogger('silent')

/** Alerting and coverage wired as the gateway wires them, over a real state.db and registry. */
class Town {
  readonly dir = mkdtempSync(join(tmpdir(), 'aedgw-hole-'))
  readonly clock = new FakeClock(bkk(12))
  readonly config: Config
  readonly db: Database.Database
  readonly registry: Registry
  readonly state = new LiveState()
  readonly alerting: Alerting
  readonly coverage: Coverage
  readonly holes = new RecordingNotifier('holes/test')
  readonly others = new RecordingNotifier('default/test')

  constructor() {
    this.config = loadConfig(
      {},
      {
        data_dir: this.dir,
        alerts: merge(
          { rules: { offline: { default_heartbeat_interval_s: 86_400 } } },
          {
            receivers: [{ name: 'holes', log: true }],
            route: { routes: [{ matchers: ['coverage_hole=true'], receiver: 'holes', group_wait_ms: 0 }] },
          },
        ),
      },
    ) as Config
    this.db = openStateDb(this.dir, STATE_DB_MIGRATIONS)
    this.registry = new Registry({
      store: new SqliteRegistryStore(this.db),
      hasher: SecretHasher.fromDataDir(this.dir),
      log,
      clock: this.clock.fn,
    })
    this.registry.start()
    const receivers = new Map<string, Notifier[]>([
      ['holes', [this.holes]],
      ['default', [this.others]],
      ['log', [new RecordingNotifier('log/test')]],
    ])
    this.alerting = buildAlerting({
      config: this.config.alerts,
      db: this.db,
      state: this.state,
      registry: this.registry,
      outbox: { append: async () => {} },
      log,
      clock: this.clock.fn,
      receivers,
      adjustFire: (input) => this.coverage.adjustFire(input),
    })
    this.coverage = new Coverage({
      config: this.config.coverage,
      registry: this.registry,
      readinessOf: (id) => this.alerting.readiness.of(id),
      openingHours: new OpeningHoursEvaluator(),
      clock: this.clock.fn,
      log,
      demand: [],
    })
    this.alerting.start()
  }

  /** A public, always-open cabinet `north` metres from the centre, reporting a healthy heartbeat. */
  add(id: string, north: number, pads = '2027-05-01'): void {
    this.registry.register({
      id,
      name: `AED ${id}`,
      district_code: '1047',
      access: 'yes',
      opening_hours: '24/7',
      ...offset(CENTRE.lat, CENTRE.lon, north, 0),
    })
    this.alerting.onConnection(id, true)
    this.alerting.onReading(hbReading(id, this.clock.now, { pad_expiry: pads }))
  }

  /** The cabinet loses its connection; past the grace period the offline alert is raised. */
  async disconnect(id: string): Promise<void> {
    this.coverage.refreshAll()
    this.alerting.onConnection(id, false)
    this.clock.advance(this.config.alerts.rules.offline.grace_ms + 1000)
    this.alerting.tick()
    await this.alerting.delivery.idle()
  }

  async close(): Promise<void> {
    await this.alerting.stop()
    this.db.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

describe('coverage holes', () => {
  let town: Town
  afterEach(async () => town.close())

  it('marks the alert of a failure that leaves no usable AED within 300 m and raises its severity', async () => {
    town = new Town()
    town.add('A', 0)
    town.add('B', 400) // 400 m × 1.4 = 560 m walking: outside the 300 m radius
    await town.disconnect('A')
    const alert = town.alerting.lifecycle.current('A', 'offline')
    expect(alert).toMatchObject({
      severity: 'critical',
      labels: { coverage_hole: 'true', severity: 'critical' },
    })
    expect(alert?.facts).toMatchObject({ coverage_impact_m: 560, coverage_radius_m: 300 })
    await town.alerting.delivery.idle()
    town.alerting.tick()
    await town.alerting.delivery.idle()
    expect(town.holes.received.flatMap((n) => n.alerts.map((a) => `${a.cabinet_id}:${a.type}`))).toEqual([
      'A:offline',
    ])
  })

  it('leaves the alert of a failure with a usable neighbour 120 m away as it was', async () => {
    town = new Town()
    town.add('A', 0)
    town.add('B', 120) // 168 m walking
    await town.disconnect('A')
    const alert = town.alerting.lifecycle.current('A', 'offline')
    expect(alert).toMatchObject({ severity: 'major', labels: { coverage_hole: 'false', severity: 'major' } })
    expect(alert?.facts).toMatchObject({ coverage_impact_m: 168 })
    expect(town.holes.received).toEqual([])
  })

  it('counts a neighbour that is itself unusable as no neighbour', async () => {
    town = new Town()
    town.add('A', 0)
    town.add('B', 120)
    town.alerting.onReading(hbReading('B', town.clock.now, { aed_present: false }))
    await town.disconnect('A')
    expect(town.alerting.lifecycle.current('A', 'offline')).toMatchObject({
      severity: 'critical',
      labels: { coverage_hole: 'true' },
    })
  })

  it('sorts the work list by coverage impact, then due date, and shows the impact', () => {
    town = new Town()
    // a cluster of three within 100 m, and one alone 2 km away
    town.add('CLUSTER-1', 0, '2026-03-12')
    town.add('CLUSTER-2', 50, '2026-03-11')
    town.add('CLUSTER-3', 100, '2026-03-20')
    town.add('ALONE', 2000, '2026-04-01')
    town.coverage.refreshAll()
    const raw = maintenanceList(
      {
        registry: town.registry,
        state: town.state,
        lifecycle: town.alerting.lifecycle,
        thresholds: new Thresholds(town.config.alerts),
        minSamples: 4,
      },
      60,
      town.clock.now,
    )
    const list = workListByImpact(raw, (id) => town.coverage.impactOf(id))
    const items = list.districts[0]!.items
    expect(items.map((i) => [i.cabinet_id, i.coverage_impact_m, i.coverage_hole])).toEqual([
      ['ALONE', 2660, true], // 1900 m to CLUSTER-3 × 1.4
      ['CLUSTER-2', 70, false], // 50 m × 1.4; same impact for all three: due date decides
      ['CLUSTER-1', 70, false],
      ['CLUSTER-3', 70, false],
    ])
    expect(items.map((i) => i.due_date)).toEqual(['2026-04-01', '2026-03-11', '2026-03-12', '2026-03-20'])
    expect(workListCsv(list).split('\r\n')[1]).toMatch(/,ALONE,.*,2660$/)
  })
})
