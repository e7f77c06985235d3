import type pg from 'pg'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { BkkhdcClusterJob } from '../feeds/bkkhdc/cluster-job.ts'
import { BkkhdcExports } from '../feeds/bkkhdc/exports.ts'
import { ClusterLiveFeeds } from '../feeds/cluster-live-feeds.ts'
import { PUBLIC_ID_PURPOSE } from '../feeds/healthmap/public-id.ts'
import { pgAlertCounts } from '../feeds/postgres/alert-counts.ts'
import { PgExportStore } from '../feeds/postgres/export-store.ts'
import { PgFeedJobStore } from '../feeds/postgres/job-store.ts'
import { LeaderLease } from '../lib/postgres/leader-lease.ts'
import type { SecretHasher } from '../lib/secrets.ts'
import type { Registry } from '../registry/registry.ts'
import { CabinetReadiness } from '../rules/readiness.ts'
import { Thresholds } from '../rules/thresholds.ts'
import type { CabinetLive } from '../state/live-state.ts'
import { PgLiveStateStore } from '../state/postgres/live-state-store.ts'
import type { InfluxApi } from '../store/influx.ts'

export interface WorkerFeedsDeps {
  config: Readonly<Config>
  pool: pg.Pool
  registry: Pick<Registry, 'list' | 'get'>
  influx: InfluxApi
  hasher: SecretHasher
  log: Logger
  clock: () => number
}

/**
 * The feeds' scheduled jobs in worker mode, each run once across the cluster by the holder of its
 * lease (docs/cluster.md, "Scheduled jobs once"): `bkkhdc` (the monthly dataset, built from InfluxDB
 * and the alert tables in PostgreSQL, and its delivery) and `feeds` (readiness history to InfluxDB
 * and the health-map push, from the live states in PostgreSQL and the registry).
 */
export class WorkerFeeds {
  readonly bkkhdc: BkkhdcClusterJob
  readonly live: ClusterLiveFeeds

  constructor(deps: WorkerFeedsDeps) {
    const { config, pool, registry, influx, log, clock } = deps
    const child = (module: string) => log.child({ module })
    const jobs = new PgFeedJobStore(pool)
    const exports = new BkkhdcExports({
      config: config.feeds.bkkhdc,
      store: new PgExportStore(pool),
      influx,
      registry,
      clock,
      log: child('bkkhdc'),
      alertsOf: (period) => pgAlertCounts(pool, period),
    })
    this.bkkhdc = new BkkhdcClusterJob({
      exports,
      store: jobs,
      lease: new LeaderLease(pool, 'bkkhdc'),
      config: config.feeds.bkkhdc,
      clock,
      log: child('bkkhdc'),
    })
    // readiness is computed as everywhere else (rules/readiness.ts), from the states last read
    let states = new Map<string, CabinetLive>()
    const readiness = new CabinetReadiness({
      state: { get: (id) => states.get(id) },
      registry,
      thresholds: new Thresholds(config.alerts),
      clock,
    })
    const liveStore = new PgLiveStateStore(pool)
    this.live = new ClusterLiveFeeds({
      config: config.feeds,
      registry,
      readinessOf: (id) => readiness.of(id),
      refresh: async () => {
        states = new Map((await liveStore.loadLean()).map((s) => [s.cabinet, s.live]))
      },
      influx,
      store: jobs,
      idKey: deps.hasher.derive(PUBLIC_ID_PURPOSE, config.feeds.healthmap.public_id_key_version),
      lease: new LeaderLease(pool, 'feeds'),
      clock,
      log: child('feeds'),
    })
  }

  start(): void {
    this.bkkhdc.start()
    this.live.start()
  }

  async stop(): Promise<void> {
    await Promise.all([this.live.stop(), this.bkkhdc.stop()])
  }

  /** Which of the jobs' leases this worker holds (`/readyz`). */
  leaders(): { bkkhdc: boolean; feeds: boolean } {
    return { bkkhdc: this.bkkhdc.job.leader, feeds: this.live.job.leader }
  }
}
