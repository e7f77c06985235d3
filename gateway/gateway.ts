import { build, type GatewayDeps, type GatewayGraph } from './app.ts'
import type { Broker } from './broker/broker.ts'
import { AedgwError } from './lib/errors.ts'
import { UndoStack } from './lib/undo-stack.ts'

/**
 * One gateway: `start()` builds the graph and starts its stages, `stop()` undoes
 * every step in reverse (listeners, timers, sockets, the outbox's worker, state.db). After stop()
 * the same Gateway may start again on the same data dir.
 */
export class Gateway {
  private readonly deps: GatewayDeps
  private graph: GatewayGraph | null = null
  /** What undoes each step start() took, in the order taken. */
  private readonly undo = new UndoStack()
  private httpPort = 0
  private opsPort: number | null = null

  constructor(deps: GatewayDeps) {
    this.deps = deps
  }

  /** The MQTT broker of the running gateway (tests publish through it). */
  get broker(): Broker {
    return this.running().broker
  }

  /** The feeds of the running gateway (tests drive the BKKHDC schedule through them). */
  get feeds(): GatewayGraph['feeds'] {
    return this.running().feeds
  }

  /** The pruner of the running gateway (tests run it at a chosen time). */
  get pruner(): GatewayGraph['pruner'] {
    return this.running().pruner
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
      // stops before the alert stages it prunes
      g.pruner.start()
      this.did('pruner', () => g.pruner.stop())
      await this.startBroker(g)
      g.feeds.start()
      this.did('feeds', () => g.feeds.stop())
      g.coverage.live.start()
      this.did('coverage', () => g.coverage.live.stop())
      await g.api.listen({ port: config.http.port, host: config.http.bind })
      this.did('api', () => g.api.close())
      const addr = g.api.server.address()
      this.httpPort = typeof addr === 'object' && addr ? addr.port : config.http.port
      if (config.http.ops.port !== null) {
        await g.ops.listen({ port: config.http.ops.port, host: config.http.ops.bind })
        this.did('ops', () => g.ops.close())
        const a = g.ops.server.address()
        this.opsPort = typeof a === 'object' && a ? a.port : config.http.ops.port
      }
    } catch (err) {
      await this.stop()
      throw err
    }
    log.info({ ...this.addresses(), data_dir: config.data_dir }, 'gateway started')
  }

  /** Stops accepting (HTTP, MQTT), lets in-flight commits and the write in flight finish, closes the store. */
  async stop(): Promise<void> {
    const wasRunning = this.graph !== null
    try {
      // every step is undone even when one fails; the first failure is thrown after
      await this.undo.unwind(this.deps.log)
    } finally {
      this.graph = null
      this.httpPort = 0
      this.opsPort = null
    }
    if (wasRunning) this.deps.log.info('gateway stopped')
  }

  addresses(): { mqtt: number; mqtts: number | null; http: number; ops: number | null } {
    const b = this.running().broker.address()
    return { mqtt: b.mqtt, mqtts: b.mqtts || null, http: this.httpPort, ops: this.opsPort }
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
    this.undo.push(name, run)
  }

  private running(): GatewayGraph {
    if (!this.graph) throw new AedgwError('AEDGW_ERR_NOT_STARTED', 'gateway not started')
    return this.graph
  }
}
