import type { Logger } from 'pino'
import type { AlertLifecycle } from '../alerts/lifecycle.ts'
import type { Config } from '../config/schema.ts'
import type { Reading } from '../ingest/ingest.ts'
import type { SecretHasher } from '../lib/secrets.ts'
import type { Registry } from '../registry/registry.ts'
import type { InfluxApi } from '../store/influx.ts'
import type { ExportStore } from './bkkhdc/export-store.ts'
import { BkkhdcExports } from './bkkhdc/exports.ts'
import { lateBuildAlert } from './bkkhdc/late-alert.ts'
import { HealthMapFeed } from './healthmap/feed.ts'
import { OpeningHoursEvaluator } from './healthmap/opening-hours.ts'
import { PUBLIC_ID_PURPOSE } from './healthmap/public-id.ts'
import { HealthMapPush } from './healthmap/push.ts'
import { LateHistory } from './late-history.ts'
import type { ReadinessHistoryStore } from './ports.ts'
import { ReadinessHistory, type ReadinessOf } from './readiness-history.ts'
import type { ReadinessAt } from './readiness-replay.ts'

export interface FeedsDeps {
  config: Readonly<Config>
  stores: { exports: ExportStore; readinessHistory: ReadinessHistoryStore }
  registry: Registry
  hasher: SecretHasher
  readinessOf: ReadinessOf
  /** Readiness from a given live state at a given time: late readings are replayed through it. */
  readinessAt: ReadinessAt
  /** Gateway time of the oldest line the outbox has not written to InfluxDB yet; null: none. */
  outboxPendingSinceMs: () => number | null
  /** A late-history recompute of many cabinets is over (LateHistoryDeps.onManyRecomputed). */
  onManyRecomputed?: () => void
  outbox: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  influx: InfluxApi
  log: Logger
  clock: () => number
  /** Where the gateway's own alerts go (a late scheduled BKKHDC build). */
  lifecycle?: Pick<AlertLifecycle, 'fire' | 'clear'>
}

/**
 * The feeds stage: readiness history to InfluxDB, the public health-map feed and its push, the
 * monthly BKKHDC dataset and its delivery.
 */
export class Feeds {
  readonly history: ReadinessHistory
  readonly late: LateHistory | null
  readonly healthmap: HealthMapFeed
  readonly exportStore: ExportStore
  readonly bkkhdc: BkkhdcExports
  private readonly push: HealthMapPush | null

  constructor(deps: FeedsDeps) {
    const { config, log, clock } = deps
    const child = (module: string) => log.child({ module })
    // InfluxQL DELETE, which rewriting a window needs, is InfluxDB 1.x's only
    this.late =
      config.influx.version === 1
        ? new LateHistory({
            config: config.feeds.late_history,
            store: deps.stores.readinessHistory,
            registry: deps.registry,
            influx: deps.influx,
            db: config.influx.db,
            rollups: config.retention.manage,
            readinessAt: deps.readinessAt,
            outboxPendingSinceMs: deps.outboxPendingSinceMs,
            ...(deps.onManyRecomputed ? { onManyRecomputed: deps.onManyRecomputed } : {}),
            log: child('late-history'),
          })
        : null
    this.history = new ReadinessHistory({
      store: deps.stores.readinessHistory,
      registry: deps.registry,
      readinessOf: deps.readinessOf,
      outbox: deps.outbox,
      clock,
      log: child('readiness-history'),
      intervalMs: config.feeds.readiness_interval_ms,
      ...(this.late ? { late: this.late } : {}),
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
      ...(deps.lifecycle ? { onLate: lateBuildAlert(deps.lifecycle) } : {}),
    })
  }

  /** The message path: a committed reading (late ones mark their cabinet's history for a recompute). */
  onReading(r: Reading): void {
    this.late?.note(r)
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
