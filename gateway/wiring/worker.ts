import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type pg from 'pg'
import type { Logger } from 'pino'
import { buildReceivers } from '../alerts/notifiers/build.ts'
import type { Notifier } from '../alerts/notifiers/notifier.ts'
import { CabinetStep, type CabinetStepDeps } from '../alerts/postgres/cabinet-step.ts'
import { PgDeliverySender } from '../alerts/postgres/delivery-sender.ts'
import { DistrictStep } from '../alerts/postgres/district-step.ts'
import { PgNotices } from '../alerts/postgres/notices.ts'
import { PgStateTransaction } from '../alerts/postgres/state-transaction.ts'
import { PgSweep } from '../alerts/postgres/sweep.ts'
import { SweepFilter } from '../alerts/postgres/sweep-filter.ts'
import { buildRoute } from '../alerts/routing.ts'
import { brokerAuthRoutes } from '../api/routes/broker-auth.ts'
import { AmqpConsumer } from '../broker/amqp-consumer.ts'
import type { Config } from '../config/schema.ts'
import { Ingest } from '../ingest/ingest.ts'
import { Metrics } from '../lib/metrics.ts'
import { createPgPool } from '../lib/postgres/db.ts'
import { LeaderLease } from '../lib/postgres/leader-lease.ts'
import { SecretHasher } from '../lib/secrets.ts'
import { activeByDistrict, cabinetInfo } from '../rules/cabinets.ts'
import { Thresholds } from '../rules/thresholds.ts'
import { InfluxApi } from '../store/influx.ts'
import { Outbox } from '../store/outbox.ts'
import { describeCabinet } from './alerting.ts'
import { RegistryMirror } from './registry-mirror.ts'
import { WorkerApi } from './worker-api.ts'
import { WorkerFeeds } from './worker-feeds.ts'
import { WorkerIngest } from './worker-ingest.ts'

/** Every stage of one cluster worker, built and wired, nothing started. */
export interface WorkerGraph {
  pool: pg.Pool
  metrics: Metrics
  registry: RegistryMirror
  influx: InfluxApi
  /** Only its quarantine is used: rejected payloads, kept in the worker's data dir as in embedded mode. */
  outbox: Outbox
  ingest: WorkerIngest
  consumer: AmqpConsumer
  sender: PgDeliverySender
  /** The periodic rule sweep, run by the worker holding the `alerts-sweep` lease. */
  sweep: PgSweep
  /** The feeds' scheduled jobs (BKKHDC, readiness history, health-map push), each by its lease's holder. */
  feeds: WorkerFeeds
  /** The internal listener: broker-auth for RabbitMQ, /readyz, /metrics. */
  internal: FastifyInstance
  /** The public REST API (cluster.api). */
  api: WorkerApi
}

/**
 * Composition of worker mode (docs/cluster.md): AMQP consumer → Ingest (the embedded mode's
 * validation) → InfluxDB, and per cabinet one PostgreSQL transaction (state → rules → alerts →
 * deliveries) → ack; a delivery sender; the registry mirrored from PostgreSQL for the messages'
 * districts and RabbitMQ's auth backend.
 */
export async function buildWorker(
  config: Readonly<Config>,
  deps: { log: Logger; clock: () => number; receivers?: Map<string, Notifier[]> },
): Promise<WorkerGraph> {
  const { log, clock } = deps
  const child = (module: string) => log.child({ module })
  const c = config.cluster
  const metrics = new Metrics()
  const pool = createPgPool({
    url: c.postgres_url as string,
    // 10, and one for each lease a worker may hold besides the sweep's (feeds, bkkhdc)
    max: 12,
    applicationName: `aedgw-worker-${process.pid}`,
    onIdleError: (err) => child('postgres').warn({ err: err.message }, 'idle PostgreSQL connection lost'),
  })
  const hasher = SecretHasher.fromDataDir(config.data_dir)
  const registry = new RegistryMirror({
    pool,
    hasher,
    refreshMs: c.registry_refresh_ms,
    log: child('registry'),
    clock,
  })
  const influx = new InfluxApi(config.influx)
  const outbox = new Outbox({
    dataDir: config.data_dir,
    sync: config.store.sync,
    maxBatch: config.store.max_batch,
    maxBytes: config.store.max_outbox_bytes,
    quarantineMaxEntries: config.store.quarantine_max_entries,
    log: child('quarantine'),
    clock,
  })
  const receivers = deps.receivers ?? buildReceivers(config.alerts, child('notify'), clock)
  const sender = new PgDeliverySender({
    pool,
    receivers,
    config: config.alerts.delivery,
    pollMs: c.delivery_poll_ms,
    claimMs: c.delivery_claim_ms,
    log: child('delivery'),
    clock,
  })
  const notices = new PgNotices({
    describe: (a) => describeCabinet(registry, a),
    config: config.alerts,
    root: buildRoute(config.alerts.route),
    receivers,
  })
  const stepDeps: CabinetStepDeps = {
    liveOptions: {
      sampleIntervalMs: config.alerts.forecast.sample_interval_ms,
      sampleWindowMs: config.alerts.forecast.window_ms,
    },
    thresholds: new Thresholds(config.alerts),
    infoOf: (id) => cabinetInfo(registry, id),
    notices,
    reopenWindowMs: config.alerts.reopen_window_ms,
    clock,
  }
  const step = new CabinetStep(stepDeps)
  const tx = new PgStateTransaction(pool)
  const sweep = new PgSweep({
    pool,
    lease: new LeaderLease(pool, 'alerts-sweep'),
    tx,
    step,
    filter: new SweepFilter(stepDeps, (a, now) => notices.escalationDue(a, now)),
    district: new DistrictStep({ notices, outage: config.alerts.district_outage, clock }),
    districts: () => activeByDistrict(registry),
    intervalMs: config.alerts.sweep_interval_ms,
    concurrency: 4,
    log: child('sweep'),
    onQueued: () => sender.wake(),
    clock,
  })
  const feeds = new WorkerFeeds({ config, pool, registry, influx, hasher, log, clock })
  const ingest = new WorkerIngest({
    ingest: new Ingest({
      config,
      districtOf: (id) => registry.get(id)?.registration.district_code ?? 'unknown',
    }),
    influx,
    quarantine: (q) => outbox.quarantine(q),
    tx,
    step,
    metrics,
    log: child('ingest'),
    clock,
    batchMax: c.batch_max,
    batchWaitMs: c.batch_wait_ms,
    onCommitted: (n) => {
      if (n > 0) sender.wake()
    },
  })
  const consumer = new AmqpConsumer({
    urls: c.amqp_urls,
    queue: c.queue,
    prefetch: c.prefetch,
    reconnectMs: c.reconnect_ms,
    log: child('amqp'),
    onMessage: (d) => ingest.onMessage(d),
  })
  const internal = Fastify({
    loggerInstance: child('internal-api') as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  })
  await brokerAuthRoutes(internal, registry)
  internal.get('/readyz', async (_req, reply) => {
    const ready = consumer.node !== null
    return reply.code(ready ? 200 : 503).send({
      ready,
      amqp_node: consumer.node,
      ...ingest.counts,
      sweep_leader: sweep.leader,
      sweep: sweep.counts,
      feeds_leader: feeds.leaders(),
    })
  })
  internal.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  )
  const api = new WorkerApi({
    config,
    log: child('api'),
    clock,
    pool,
    hasher,
    tx,
    notices,
    registry,
    metrics,
    readiness: () => ({
      ready: consumer.node !== null,
      detail: {
        amqp_node: consumer.node,
        ...ingest.counts,
        sweep_leader: sweep.leader,
        feeds_leader: feeds.leaders(),
      },
    }),
    onQueued: () => sender.wake(),
  })
  return { pool, metrics, registry, influx, outbox, ingest, consumer, sender, sweep, feeds, internal, api }
}
