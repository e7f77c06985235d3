import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import type { CoverageConfig } from '../../../gateway/coverage/config.ts'
import { Coverage } from '../../../gateway/coverage/coverage.ts'
import type { DemandPoint } from '../../../gateway/coverage/demand.ts'
import { OpeningHoursEvaluator } from '../../../gateway/feeds/healthmap/opening-hours.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { SecretHasher } from '../../../gateway/lib/secrets.ts'
import type { Registration } from '../../../gateway/protocol/registration.ts'
import { Registry } from '../../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../../gateway/registry/sqlite/registry-store.ts'
import type { Readiness } from '../../../gateway/rules/readiness.ts'
import { STATE_DB_MIGRATIONS } from '../../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../../gateway/store/database.ts'

/** Metres per degree of latitude on the sphere of the mean Earth radius (6,371,008.8 m × π / 180). */
export const M_PER_DEG = 111_195.08

/** The point `north` and `east` metres from (lat, lon), on a flat patch of the sphere. */
export function offset(lat: number, lon: number, north: number, east: number): { lat: number; lon: number } {
  return {
    lat: lat + north / M_PER_DEG,
    lon: lon + east / (M_PER_DEG * Math.cos((lat * Math.PI) / 180)),
  }
}

/** Bang Na District Office, the fixture city's centre. */
export const CENTRE = { lat: 13.6683, lon: 100.6044 }

// Tuesday 10 March 2026, Bangkok time (UTC+7)
export const bkk = (h: number, m = 0) => Date.UTC(2026, 2, 10, h - 7, m)

export const CONFIG: CoverageConfig = {
  radius_m: 300,
  district_radius_m: {},
  detour_factor: 1.4,
  walking_speed_mps: 1.3,
  impact_search_m: 5000,
  refresh_ms: 1000,
  full_refresh_ms: 60_000,
  write_interval_ms: 3_600_000,
  public_snapshot_ms: 0,
}

/** A registry in a temporary state.db, readiness set by hand, and the coverage stage over both. */
export class FixtureCity {
  readonly dir = mkdtempSync(join(tmpdir(), 'aedgw-coverage-'))
  readonly db: Database.Database = openStateDb(this.dir, STATE_DB_MIGRATIONS)
  readonly hasher = SecretHasher.fromDataDir(this.dir)
  readonly log = createLogger('silent')
  now = bkk(12)
  readonly clock = () => this.now
  readonly readiness = new Map<string, Readiness>()
  readonly registry = new Registry({
    store: new SqliteRegistryStore(this.db),
    hasher: this.hasher,
    log: this.log,
    clock: this.clock,
  })
  readonly lines: string[] = []
  readonly coverage: Coverage

  constructor(demand: DemandPoint[] = [], config: Partial<CoverageConfig> = {}) {
    this.registry.start()
    this.coverage = new Coverage({
      config: { ...CONFIG, ...config },
      registry: this.registry,
      readinessOf: (id) => ({ readiness: this.readiness.get(id) ?? 'unknown' }),
      openingHours: new OpeningHoursEvaluator(),
      clock: this.clock,
      log: this.log,
      outbox: { append: async (_c, line) => void this.lines.push(line) },
      demand,
    })
  }

  /** A ready, public, always-open cabinet `north`/`east` metres from the centre. */
  add(id: string, north: number, east: number, extra: Partial<Registration> = {}): void {
    this.registry.register({
      id,
      name: `AED ${id}`,
      name_th: `เครื่อง ${id}`,
      district_code: '1047',
      access: 'yes',
      opening_hours: '24/7',
      location_note: `by door ${id}`,
      ...offset(CENTRE.lat, CENTRE.lon, north, east),
      ...extra,
    })
    this.readiness.set(id, 'ready')
  }

  async close(): Promise<void> {
    await this.coverage.stop()
    this.db.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
