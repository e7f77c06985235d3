import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import type { SecretHasher } from '../lib/secrets.ts'
import type { Registry } from '../registry/registry.ts'
import type { InfluxApi } from '../store/influx.ts'
import type { ExportStore } from './bkkhdc/export-store.ts'
import { BkkhdcExports } from './bkkhdc/exports.ts'
import { HealthMapFeed } from './healthmap/feed.ts'
import { OpeningHoursEvaluator } from './healthmap/opening-hours.ts'
import { PUBLIC_ID_PURPOSE } from './healthmap/public-id.ts'
import { HealthMapPush } from './healthmap/push.ts'
import type { ReadinessHistoryStore } from './ports.ts'
import { ReadinessHistory, type ReadinessOf } from './readiness-history.ts'

export interface FeedsDeps {
  config: Readonly<Config>
  stores: { exports: ExportStore; readinessHistory: ReadinessHistoryStore }
  registry: Registry
  hasher: SecretHasher
  readinessOf: ReadinessOf
  outbox: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  influx: InfluxApi
  log: Logger
  clock: () => number
}

/**
 * The feeds stage: readiness history to InfluxDB, the public health-map feed and its push, the
 * monthly BKKHDC dataset and its delivery.
 */
export class Feeds {
  readonly history: ReadinessHistory
  readonly healthmap: HealthMapFeed
  readonly exportStore: ExportStore
  readonly bkkhdc: BkkhdcExports
  private readonly push: HealthMapPush | null

  constructor(deps: FeedsDeps) {
    const { config, log, clock } = deps
    const child = (module: string) => log.child({ module })
    this.history = new ReadinessHistory({
      store: deps.stores.readinessHistory,
      registry: deps.registry,
      readinessOf: deps.readinessOf,
      outbox: deps.outbox,
      clock,
      log: child('readiness-history'),
      intervalMs: config.feeds.readiness_interval_ms,
    })
    this.healthmap = new HealthMapFeed({
      registry: deps.registry,
      readinessOf: deps.readinessOf,
      idKey: deps.hasher.derive(PUBLIC_ID_PURPOSE, config.feeds.healthmap.public_id_key_version),
      openingHours: new OpeningHoursEvaluator(),
      clock,
      intervalMs: config.feeds.healthmap.snapshot_interval_ms,
      includePrivate: config.feeds.healthmap.include_private,
    })
    const hm = config.feeds.healthmap
    this.push = hm.push_url
      ? new HealthMapPush({
          snapshot: () => this.healthmap.snapshot(),
          url: hm.push_url,
          token: hm.push_token,
          debounceMs: hm.push_debounce_ms,
          timeoutMs: hm.push_timeout_ms,
          log: child('healthmap-push'),
        })
      : null
    this.exportStore = deps.stores.exports
    this.bkkhdc = new BkkhdcExports({
      config: config.feeds.bkkhdc,
      store: this.exportStore,
      influx: deps.influx,
      registry: deps.registry,
      clock,
      log: child('bkkhdc'),
    })
  }

  start(): void {
    this.history.start()
    this.push?.start()
    this.bkkhdc.start()
  }

  async stop(): Promise<void> {
    await this.bkkhdc.stop()
    await this.push?.stop()
    await this.history.stop()
  }
}
