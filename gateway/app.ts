import type Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { countOpenAlerts, observeTransition } from './alerts/alert-metrics.ts'
import { consoleLinkUrl, SignedLinks } from './alerts/signed-links.ts'
import { SqliteAlertStore } from './alerts/sqlite/alert-store.ts'
import { SqliteDeliveryStore } from './alerts/sqlite/delivery-store.ts'
import { SqliteLinkUseStore } from './alerts/sqlite/link-use-store.ts'
import type { ApiContext } from './api/context.ts'
import { buildOpsApi } from './api/ops-server.ts'
import { buildApi } from './api/server.ts'
import { ApiTokens } from './api/tokens.ts'
import { Broker } from './broker/broker.ts'
import { RetainedStatus } from './broker/retained.ts'
import type { Config } from './config/schema.ts'
import { Feeds } from './feeds/feeds.ts'
import { Ingest } from './ingest/ingest.ts'
import { IngestPipeline } from './ingest/pipeline.ts'
import { HeapRelease } from './lib/heap-release.ts'
import { Metrics } from './lib/metrics.ts'
import { SecretHasher } from './lib/secrets.ts'
import { Registry } from './registry/registry.ts'
import { LiveState } from './state/live-state.ts'
import { stateDbFile } from './store/database.ts'
import { InfluxApi } from './store/influx.ts'
import { Outbox } from './store/outbox.ts'
import { Pruner } from './store/pruner.ts'
import { setupRetention } from './store/retention.ts'
import { SelfMetrics } from './store/self-metrics.ts'
import { Writer } from './store/writer.ts'
import { type Alerting, buildAlerting } from './wiring/alerting.ts'
import { buildCoverage, type CoverageGraph } from './wiring/coverage.ts'
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
  pruner: Pruner
  /** Live state, rules (evaluator, readiness) and alerts, fed with committed readings. */
  alerting: Alerting
  retained: RetainedStatus
  broker: Broker
  feeds: Feeds
  coverage: CoverageGraph
  api: FastifyInstance
  /** The operations listener: /metrics, /docs, /readyz with its checks. */
  ops: FastifyInstance
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

  // coverage reads readiness and the public feed, built after them; the alert lifecycle asks it
  // about every firing (hole label, severity), readings and connections mark cabinets to re-check
  let coverage: CoverageGraph | null = null
  // signed alert links: notifications carry one when the console has a public URL
  const links = new SignedLinks({
    key: hasher.derive('console-links', 1),
    uses: new SqliteLinkUseStore(db),
    clock,
    ttlMs: config.console.link_ttl_s * 1000,
  })
  const publicUrl = config.console.enabled ? config.console.public_url : null

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
    adjustFire: (input) => coverage?.live.adjustFire(input) ?? input,
    onCabinetChange: (id) => coverage?.live.touch(id),
    linkFor: (a) => (publicUrl ? consoleLinkUrl(publicUrl, links.sign(a.id)) : null),
    onTransition: (a, t) => observeTransition(metrics, a, t),
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
      // a late reading (buffered, backfilled) marks its cabinet's readiness history for a recompute
      feeds.onReading(r)
      if (r.kind === 'status') retained.save(r.cabinet, r.value, r.meta.receivedMs)
    },
  })
  // the heap a burst of work grew (a backlog, a late-history recompute) is given back after it
  const heapRelease = new HeapRelease(child('broker'), metrics)
  const broker = new Broker({
    config,
    log: child('broker'),
    heapRelease,
    registry,
    metrics,
    clock,
    accept: (cabinet, leaf, payload) => pipeline.accept(cabinet, leaf, payload),
  })
  // revoked credentials (secret rotated, cabinet retired) end the open session at once
  registry.onRevoked((id) => broker.disconnect(id))

  metrics.refresh = () => {
    refreshGauges(metrics, { outbox, writer, broker, clock })
    countOpenAlerts(metrics, alerting.lifecycle.open())
    metrics.lateHistoryPending.set(feeds.late?.pending() ?? 0)
  }
  // resolved alerts, given-up notifications and quarantine entries pruned by age
  const pruner = new Pruner({
    config: config.retention.prune,
    alerts: new SqliteAlertStore(db),
    deliveries: new SqliteDeliveryStore(db),
    outbox,
    metrics,
    clock,
    log: child('pruner'),
  })

  // feeds and the API read what the stages before them hold
  const feeds = new Feeds({
    config,
    stores: { exports: stores.exports, readinessHistory: stores.readinessHistory },
    registry,
    hasher,
    readinessOf: (id) => alerting.readiness.of(id),
    readinessAt: (id, live, now) => alerting.readiness.at(id, live, now),
    lifecycle: alerting.lifecycle,
    outboxPendingSinceMs: () => (outbox.snapshot().depth === 0 ? null : writer.oldestPendingMs),
    onManyRecomputed: () => heapRelease.request('late history recomputed'),
    outbox,
    influx,
    log,
    clock,
  })
  coverage = buildCoverage({ config, registry, alerting, feeds, outbox, clock, log: child('coverage') })
  const apiContext: ApiContext = {
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
    coverage,
    links,
    alertEvents: alerting.events,
  }
  const api = await buildApi(apiContext)
  // /metrics, /docs and readiness detail on their own listener (loopback by default)
  const ops = await buildOpsApi(apiContext, api)
  return {
    db,
    metrics,
    registry,
    tokens,
    outbox,
    writer,
    selfMetrics,
    alerting,
    pruner,
    retained,
    broker,
    feeds,
    coverage,
    api,
    ops,
  }
}
