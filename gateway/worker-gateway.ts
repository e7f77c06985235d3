import type { Logger } from 'pino'
import type { Notifier } from './alerts/notifiers/notifier.ts'
import type { Config } from './config/schema.ts'
import { AedgwError } from './lib/errors.ts'
import { runPgMigrations } from './lib/postgres/migrations.ts'
import { UndoStack } from './lib/undo-stack.ts'
import { setupRetention } from './store/retention.ts'
import { postgresMigrations } from './wiring/postgres-migrations.ts'
import { buildWorker, type WorkerGraph } from './wiring/worker.ts'

export interface WorkerGatewayDeps {
  config: Readonly<Config>
  log: Logger
  clock?: () => number
  /** Receivers by name (tests); built from `alerts` otherwise. */
  receivers?: Map<string, Notifier[]>
}

/**
 * One gateway in worker mode (`mode: worker`, docs/cluster.md): no MQTT listener of its own; it
 * consumes the broker cluster's replicated ingest queue. `start()` runs the PostgreSQL migrations
 * (serialised across workers starting together), reads the registry, prepares InfluxDB, opens
 * the internal listener (RabbitMQ asks it who may connect) and then consumes; `stop()` undoes each
 * step in reverse, leaving what it had not acked to the broker.
 */
export class WorkerGateway {
  private readonly deps: WorkerGatewayDeps
  private graph: WorkerGraph | null = null
  private readonly undo = new UndoStack()
  private internalPort: number | null = null

  constructor(deps: WorkerGatewayDeps) {
    this.deps = deps
  }

  async start(): Promise<void> {
    if (this.graph) throw new AedgwError('AEDGW_ERR_STARTED', 'gateway already started')
    const { config, log } = this.deps
    const clock = this.deps.clock ?? Date.now
    const g = await buildWorker(config, {
      log,
      clock,
      ...(this.deps.receivers ? { receivers: this.deps.receivers } : {}),
    })
    this.graph = g
    this.did('postgres', () => g.pool.end())
    try {
      await g.outbox.start()
      this.did('quarantine', () => g.outbox.stop())
      await runPgMigrations(g.pool, postgresMigrations)
      await g.registry.start()
      this.did('registry', () => g.registry.stop())
      await g.influx.ensureDatabase()
      await setupRetention({
        influx: g.influx,
        db: config.influx.db,
        version: config.influx.version,
        config: config.retention,
        log: log.child({ module: 'retention' }),
      })
      g.sender.start()
      this.did('delivery', () => g.sender.stop())
      g.sweep.start()
      this.did('sweep', () => g.sweep.stop())
      g.feeds.start()
      this.did('feeds', () => g.feeds.stop())
      const auth = config.cluster.auth
      if (auth.port !== null) {
        await g.internal.listen({ port: auth.port, host: auth.bind })
        const a = g.internal.server.address()
        this.internalPort = typeof a === 'object' && a ? a.port : auth.port
      }
      this.did('internal', () => g.internal.close())
      await g.api.start()
      this.did('api', () => g.api.stop())
      await g.consumer.start()
      this.did('consumer', () => g.consumer.stop())
      // the batch in flight ends (and acks) before the connection closes
      this.did('ingest', () => g.ingest.stop())
    } catch (err) {
      await this.stop()
      throw err
    }
    log.info({ internal: this.internalPort, api: g.api.port, amqp_node: g.consumer.node }, 'worker started')
  }

  async stop(): Promise<void> {
    const wasRunning = this.graph !== null
    try {
      // every step is undone even when one fails; the first failure is thrown after
      await this.undo.unwind(this.deps.log)
    } finally {
      this.graph = null
      this.internalPort = null
    }
    if (wasRunning) this.deps.log.info('worker stopped')
  }

  /** The internal listener's port (broker-auth, /readyz, /metrics) and the public API's, or null when not served. */
  addresses(): { internal: number | null; api: number | null } {
    return { internal: this.internalPort, api: this.graph?.api.port ?? null }
  }

  /** The running worker's stages (tests look at its counts). */
  get stages(): WorkerGraph {
    if (!this.graph) throw new AedgwError('AEDGW_ERR_NOT_STARTED', 'gateway not started')
    return this.graph
  }

  private did(name: string, run: () => void | Promise<void>): void {
    this.undo.push(name, run)
  }
}
