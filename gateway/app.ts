import type Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { countOpenAlerts, observeTransition } from './alerts/alert-metrics.ts'
import { Alerting } from './alerts/alerting.ts'
import { SqliteAlertStore } from './alerts/sqlite/alert-store.ts'
import { SqliteDeliveryStore } from './alerts/sqlite/delivery-store.ts'
import { buildApi } from './api/server.ts'
import { SqliteTokenStore } from './api/sqlite/token-store.ts'
import { ApiTokens } from './api/tokens.ts'
import { Broker } from './broker/broker.ts'
import { RetainedStatus } from './broker/retained.ts'
import { SqliteRetainedStore } from './broker/sqlite/retained-store.ts'
import type { Config } from './config/schema.ts'
import { Feeds } from './feeds/feeds.ts'
import { SqliteExportStore } from './feeds/sqlite/export-store.ts'
import { SqliteReadinessHistoryStore } from './feeds/sqlite/readiness-history-store.ts'
import { Ingest, type Reading } from './ingest/ingest.ts'
import { IngestPipeline } from './ingest/pipeline.ts'
import { Metrics } from './lib/metrics.ts'
import { SecretHasher } from './lib/secrets.ts'
import { Registry } from './registry/registry.ts'
import { SqliteRegistryStore } from './registry/sqlite/registry-store.ts'
import { LiveState } from './state/live-state.ts'
import { STATE_DB_MIGRATIONS } from './state-db-migrations.ts'
import { openStateDb, stateDbFile } from './store/database.ts'
import { InfluxApi } from './store/influx.ts'
import { Outbox } from './store/outbox.ts'
import { Pruner } from './store/pruner.ts'
import { setupRetention } from './store/retention.ts'
import { SelfMetrics } from './store/self-metrics.ts'
import { Writer } from './store/writer.ts'

export interface GatewayDeps {
  config: Readonly<Config>
  log: Logger
  clock?: () => number
}

/**
 * Composition root: builds each stage and wires them in pipeline order
 * broker → ingest → outbox → writer → InfluxDB, with live state fed from committed readings.
 */
export class Gateway {
  private readonly deps: GatewayDeps
  private readonly clock: () => number
  readonly metrics = new Metrics()
  private db: Database.Database | null = null
  registry!: Registry
  outbox!: Outbox
  writer!: Writer
  broker!: Broker
  state!: LiveState
  alerting!: Alerting
  feeds!: Feeds
  pruner!: Pruner
  private api: FastifyInstance | null = null
  private selfMetrics: SelfMetrics | null = null
  private httpPort = 0

  constructor(deps: GatewayDeps) {
    this.deps = deps
    this.clock = deps.clock ?? Date.now
  }

  async start(): Promise<void> {
    const { config, log } = this.deps
    const child = (module: string) => log.child({ module })
    const clock = this.clock

    const db = openStateDb(config.data_dir, STATE_DB_MIGRATIONS)
    this.db = db
    const hasher = SecretHasher.fromDataDir(config.data_dir)
    this.registry = new Registry({
      store: new SqliteRegistryStore(db),
      hasher,
      log: child('registry'),
      clock,
    })
    this.registry.start()
    const tokens = new ApiTokens({ store: new SqliteTokenStore(db), hasher, clock })
    if (config.api.admin_token) tokens.bootstrapAdmin(config.api.admin_token)

    this.outbox = new Outbox({
      dataDir: config.data_dir,
      sync: config.store.sync,
      maxBatch: config.store.max_batch,
      maxBytes: config.store.max_outbox_bytes,
      quarantineMaxEntries: config.store.quarantine_max_entries,
      checkpointFiles: [stateDbFile(config.data_dir)],
      log: child('outbox'),
      clock,
    })
    await this.outbox.start()

    const influx = new InfluxApi(config.influx)
    this.writer = new Writer({
      config: config.influx,
      influx,
      outbox: this.outbox,
      metrics: this.metrics,
      log: child('writer'),
      clock,
      prepareDatabase: () =>
        setupRetention({
          influx,
          db: config.influx.db,
          version: config.influx.version,
          config: config.retention,
          log: child('retention'),
        }),
    })
    this.writer.start()
    const writer = this.writer
    this.metrics.refresh = () => {
      const snap = this.outbox.snapshot()
      const oldest = writer.oldestPendingMs
      this.metrics.outboxDepth.set(snap.depth)
      this.metrics.outboxBytes.set(snap.bytes)
      this.metrics.outboxOldestAge.set(
        oldest === null || snap.depth === 0 ? 0 : Math.max(0, (clock() - oldest) / 1000),
      )
      this.metrics.connected.set(this.broker?.connectedCount() ?? 0)
      countOpenAlerts(this.metrics, this.alerting?.lifecycle.open() ?? [])
    }
    this.selfMetrics = new SelfMetrics({
      metrics: this.metrics,
      outbox: this.outbox,
      intervalS: config.self_metrics.interval_s,
      clock,
      log: child('self-metrics'),
    })
    this.selfMetrics.start()

    this.state = new LiveState({
      sampleIntervalMs: config.alerts.forecast.sample_interval_ms,
      sampleWindowMs: config.alerts.forecast.window_ms,
    })
    // live state, rules and alerts: fed with committed readings; loads what it saved before a restart
    this.alerting = new Alerting({
      config: config.alerts,
      db,
      state: this.state,
      registry: this.registry,
      outbox: this.outbox,
      log: child('alerts'),
      clock,
      storageStatus: () => {
        const room = this.outbox.accepting()
        const writer = this.writer.status()
        return {
          influxHealthy: writer.healthy,
          influxError: writer.error,
          outboxAccepting: room.ok,
          outboxReason: room.ok ? null : room.reason,
          outboxDepth: this.outbox.snapshot().depth,
        }
      },
      onTransition: (a, t) => observeTransition(this.metrics, a, t),
    })
    this.alerting.start()
    this.pruner = new Pruner({
      config: config.retention.prune,
      alerts: new SqliteAlertStore(db),
      deliveries: new SqliteDeliveryStore(db),
      outbox: this.outbox,
      metrics: this.metrics,
      clock,
      log: child('pruner'),
    })
    this.pruner.start()
    const retained = new RetainedStatus(new SqliteRetainedStore(db))
    const onReading = (r: Reading) => {
      this.alerting.onReading(r)
      this.feeds?.onReading(r)
      if (r.kind === 'status') retained.save(r.cabinet, r.value, r.meta.receivedMs)
    }
    const ingest = new Ingest({
      config,
      districtOf: (id) => this.registry.get(id)?.registration.district_code ?? 'unknown',
    })
    const pipeline = new IngestPipeline({
      ingest,
      outbox: this.outbox,
      metrics: this.metrics,
      log: child('ingest'),
      clock,
      dedupWindow: config.ingest.dedup_window,
      onReading,
    })

    this.broker = new Broker({
      config,
      log: child('broker'),
      registry: this.registry,
      metrics: this.metrics,
      clock,
      accept: (cabinet, leaf, payload) => pipeline.accept(cabinet, leaf, payload),
    })
    await this.broker.start()
    this.broker.on('cabinet_connected', (id: string) => this.alerting.onConnection(id, true))
    this.broker.on('cabinet_disconnected', (id: string) => this.alerting.onConnection(id, false))
    for (const r of retained.all()) await this.broker.publish(r.topic, r.payload, { retain: true, qos: 0 })
    this.feeds = new Feeds({
      config,
      stores: { exports: new SqliteExportStore(db), readinessHistory: new SqliteReadinessHistoryStore(db) },
      registry: this.registry,
      hasher,
      readinessOf: (id) => this.alerting.readiness(id),
      readinessAt: (id, live, now) => this.alerting.readinessAt(id, live, now),
      lifecycle: this.alerting.lifecycle,
      outboxPendingSinceMs: () => (this.outbox.snapshot().depth === 0 ? null : writer.oldestPendingMs),
      outbox: this.outbox,
      influx,
      log,
      clock,
    })
    this.feeds.start()

    this.api = await buildApi({
      config,
      log,
      clock,
      metrics: this.metrics,
      registry: this.registry,
      tokens,
      outbox: this.outbox,
      writer: this.writer,
      broker: this.broker,
      state: this.state,
      influx,
      alerting: this.alerting,
      healthmap: this.feeds.healthmap,
      exports: { bkkhdc: this.feeds.bkkhdc, store: this.feeds.exportStore },
    })
    await this.api.listen({ port: config.http.port, host: config.http.bind })
    const addr = this.api.server.address()
    this.httpPort = typeof addr === 'object' && addr ? addr.port : config.http.port
    log.info({ ...this.addresses(), data_dir: config.data_dir }, 'gateway started')
  }

  /** Stops accepting (HTTP, MQTT), lets in-flight commits and the write in flight finish, closes the store. */
  async stop(): Promise<void> {
    const log = this.deps.log
    await this.api?.close()
    this.api = null
    await this.broker?.stop()
    await this.feeds?.stop()
    await this.pruner?.stop()
    // after the broker (no more readings), before the outbox (transitions are written through it)
    await this.alerting?.stop()
    await this.selfMetrics?.stop()
    await this.writer?.stop()
    await this.outbox?.stop()
    this.db?.close()
    this.db = null
    log.info('gateway stopped')
  }

  addresses(): { mqtt: number; mqtts: number | null; http: number } {
    const b = this.broker.address()
    return { mqtt: b.mqtt, mqtts: b.mqtts || null, http: this.httpPort }
  }
}
