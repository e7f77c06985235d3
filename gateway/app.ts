import type Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApi } from './api/server.ts'
import { ApiTokens } from './api/tokens.ts'
import { Broker } from './broker/broker.ts'
import { RetainedStatus } from './broker/retained.ts'
import type { Config } from './config/schema.ts'
import { Feeds } from './feeds/feeds.ts'
import { Ingest } from './ingest/ingest.ts'
import { IngestPipeline } from './ingest/pipeline.ts'
import { AedgwError } from './lib/errors.ts'
import { Metrics } from './lib/metrics.ts'
import { SecretHasher } from './lib/secrets.ts'
import { Registry } from './registry/registry.ts'
import { LiveState } from './state/live-state.ts'
import { stateDbFile } from './store/database.ts'
import { InfluxApi } from './store/influx.ts'
import { Outbox } from './store/outbox.ts'
import { setupRetention } from './store/retention.ts'
import { SelfMetrics } from './store/self-metrics.ts'
import { Writer } from './store/writer.ts'
import { type Alerting, buildAlerting } from './wiring/alerting.ts'
import { openStateDbStores } from './wiring/state-db.ts'
import { refreshGauges, storageStatus } from './wiring/status.ts'

export interface GatewayDeps {
  config: Readonly<Config>
  log: Logger
  clock?: () => number
}

/** Every stage of one gateway, built and wired, nothing started. */
export interface GatewayGraph {
  db: Database.Database
  metrics: Metrics
  registry: Registry
  tokens: ApiTokens
  outbox: Outbox
  writer: Writer
  selfMetrics: SelfMetrics
  /** Live state, rules (evaluator, readiness) and alerts, fed with committed readings. */
  alerting: Alerting
  retained: RetainedStatus
  broker: Broker
  feeds: Feeds
  api: FastifyInstance
}

/**
 * Composition root: builds each stage and wires them in pipeline order, as the README draws it:
 * broker → ingest → outbox → writer → InfluxDB, and from the outbox's commit: committed readings
 * → live state → rules → alerts → notifiers; then feeds and the API, which read what is before them.
 */
export async function build(
  config: Readonly<Config>,
  deps: { log: Logger; clock: () => number },
): Promise<GatewayGraph> {
  const { log, clock } = deps
  const child = (module: string) => log.child({ module })
  const metrics = new Metrics()
  const stores = openStateDbStores(config.data_dir)
  const db = stores.db
  const hasher = SecretHasher.fromDataDir(config.data_dir)
  const registry = new Registry({ store: stores.registry, hasher, log: child('registry'), clock })
  const tokens = new ApiTokens({ store: stores.tokens, hasher, clock })

  // store: the durable outbox and the writer that drains it to InfluxDB
  const outbox = new Outbox({
    dataDir: config.data_dir,
    sync: config.store.sync,
    maxBatch: config.store.max_batch,
    maxBytes: config.store.max_outbox_bytes,
    quarantineMaxEntries: config.store.quarantine_max_entries,
    checkpointFiles: [stateDbFile(config.data_dir)],
    log: child('outbox'),
    clock,
  })
  const influx = new InfluxApi(config.influx)
  const writer = new Writer({
    config: config.influx,
    influx,
    outbox,
    metrics,
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
  const selfMetrics = new SelfMetrics({
    metrics,
    outbox,
    intervalS: config.self_metrics.interval_s,
    clock,
    log: child('self-metrics'),
  })

  // state → rules → alerts, fed with committed readings
  const alerting = buildAlerting({
    config: config.alerts,
    db,
    state: new LiveState({
      sampleIntervalMs: config.alerts.forecast.sample_interval_ms,
      sampleWindowMs: config.alerts.forecast.window_ms,
    }),
    registry,
    outbox,
    log: child('alerts'),
    clock,
    storageStatus: () => storageStatus(outbox, writer),
  })

  // broker → ingest → outbox; the committed reading goes on to live state and rules
  const retained = new RetainedStatus(stores.retained)
  const pipeline = new IngestPipeline({
    ingest: new Ingest({
      config,
      districtOf: (id) => registry.get(id)?.registration.district_code ?? 'unknown',
    }),
    outbox,
    metrics,
    log: child('ingest'),
    clock,
    dedupWindow: config.ingest.dedup_window,
    onReading: (r) => {
      alerting.onReading(r)
      if (r.kind === 'status') retained.save(r.cabinet, r.value, r.meta.receivedMs)
    },
  })
  const broker = new Broker({
    config,
    log: child('broker'),
    registry,
    metrics,
    clock,
    accept: (cabinet, leaf, payload) => pipeline.accept(cabinet, leaf, payload),
  })
  // revoked credentials (secret rotated, cabinet retired) end the open session at once
  registry.onRevoked((id) => broker.disconnect(id))

  metrics.refresh = () => refreshGauges(metrics, { outbox, writer, broker, clock })

  // feeds and the API read what the stages before them hold
  const feeds = new Feeds({
    config,
    stores: { exports: stores.exports, readinessHistory: stores.readinessHistory },
    registry,
    hasher,
    readinessOf: (id) => alerting.readiness.of(id),
    outbox,
    influx,
    log,
    clock,
  })
  const api = await buildApi({
    config,
    log,
    clock,
    metrics,
    registry,
    tokens,
    outbox,
    writer,
    broker,
    state: alerting.state,
    influx,
    readiness: alerting.readiness,
    alerts: alerting.alerts,
    silences: alerting.silences,
    maintenance: alerting.maintenance,
    healthmap: feeds.healthmap,
    exports: { bkkhdc: feeds.bkkhdc, store: feeds.exportStore },
  })
  return {
    db,
    metrics,
    registry,
    tokens,
    outbox,
    writer,
    selfMetrics,
    alerting,
    retained,
    broker,
    feeds,
    api,
  }
}

/**
 * One gateway: `start()` builds the graph and starts its stages, `stop()` undoes
 * every step in reverse (listeners, timers, sockets, the outbox's worker, state.db). After stop()
 * the same Gateway may start again on the same data dir.
 */
export class Gateway {
  private readonly deps: GatewayDeps
  private graph: GatewayGraph | null = null
  /** What undoes each step start() took, in the order taken. */
  private readonly undo: Array<{ name: string; run: () => void | Promise<void> }> = []
  private httpPort = 0

  constructor(deps: GatewayDeps) {
    this.deps = deps
  }

  /** The MQTT broker of the running gateway (tests publish through it). */
  get broker(): Broker {
    return this.running().broker
  }

  async start(): Promise<void> {
    if (this.graph) throw new AedgwError('AEDGW_ERR_STARTED', 'gateway already started')
    const { config, log } = this.deps
    const g = await build(config, { log, clock: this.deps.clock ?? Date.now })
    this.graph = g
    this.did('state.db', () => {
      g.db.close()
    })
    try {
      g.registry.start()
      if (config.api.admin_token) g.tokens.bootstrapAdmin(config.api.admin_token)
      await g.outbox.start()
      this.did('outbox', () => g.outbox.stop())
      g.writer.start()
      this.did('writer', () => g.writer.stop())
      g.selfMetrics.start()
      this.did('self-metrics', () => g.selfMetrics.stop())
      // loads saved live state, alerts and deliveries before the first reading arrives: the
      // broker, which lets readings in, starts only once every stage they reach is ready
      g.alerting.start()
      this.did('alerting', () => g.alerting.stop())
      await this.startBroker(g)
      g.feeds.start()
      this.did('feeds', () => g.feeds.stop())
      await g.api.listen({ port: config.http.port, host: config.http.bind })
      this.did('api', () => g.api.close())
      const addr = g.api.server.address()
      this.httpPort = typeof addr === 'object' && addr ? addr.port : config.http.port
    } catch (err) {
      await this.stop()
      throw err
    }
    log.info({ ...this.addresses(), data_dir: config.data_dir }, 'gateway started')
  }

  /** Stops accepting (HTTP, MQTT), lets in-flight commits and the write in flight finish, closes the store. */
  async stop(): Promise<void> {
    // every step is undone even when one fails; the first failure is reported after
    let failure: unknown = null
    for (let step = this.undo.pop(); step; step = this.undo.pop()) {
      try {
        await step.run()
      } catch (err) {
        this.deps.log.error({ err, stage: step.name }, 'stop failed')
        failure ??= err
      }
    }
    const wasRunning = this.graph !== null
    this.graph = null
    this.httpPort = 0
    if (failure) throw failure
    if (wasRunning) this.deps.log.info('gateway stopped')
  }

  addresses(): { mqtt: number; mqtts: number | null; http: number } {
    const b = this.running().broker.address()
    return { mqtt: b.mqtt, mqtts: b.mqtts || null, http: this.httpPort }
  }

  private async startBroker(g: GatewayGraph): Promise<void> {
    // listening before the broker starts and until it has stopped: disconnects while it stops
    // still reach live state
    const connected = (id: string) => g.alerting.onConnection(id, true)
    const disconnected = (id: string) => g.alerting.onConnection(id, false)
    g.broker.on('cabinet_connected', connected)
    g.broker.on('cabinet_disconnected', disconnected)
    this.did('broker listeners', () => {
      g.broker.off('cabinet_connected', connected)
      g.broker.off('cabinet_disconnected', disconnected)
    })
    await g.broker.start()
    this.did('broker', () => g.broker.stop())
    for (const r of g.retained.all()) await g.broker.publish(r.topic, r.payload, { retain: true, qos: 0 })
  }

  private did(name: string, run: () => void | Promise<void>): void {
    this.undo.push({ name, run })
  }

  private running(): GatewayGraph {
    if (!this.graph) throw new AedgwError('AEDGW_ERR_NOT_STARTED', 'gateway not started')
    return this.graph
  }
}
