import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type pg from 'pg'
import type { Logger } from 'pino'
import { maintenanceList, type WorkList } from '../alerts/maintenance-list.ts'
import { PgAlertService } from '../alerts/postgres/alert-service.ts'
import { PgAlertStore } from '../alerts/postgres/alert-store.ts'
import type { PgNotices } from '../alerts/postgres/notices.ts'
import { PgSilences } from '../alerts/postgres/silence-service.ts'
import type { PgStateTransaction } from '../alerts/postgres/state-transaction.ts'
import { alertKey } from '../alerts/types.ts'
import { requireRole } from '../api/auth.ts'
import { installErrorHandling } from '../api/errors.ts'
import { PgApiTokens } from '../api/postgres/api-tokens.ts'
import { tokenRoutes } from '../api/routes/admin.ts'
import { alertRoutes } from '../api/routes/alerts.ts'
import { maintenanceRoutes } from '../api/routes/maintenance.ts'
import { silenceRoutes } from '../api/routes/silences.ts'
import { workerCabinetRoutes } from '../api/worker/cabinets.ts'
import { embeddedOnlyRoutes } from '../api/worker/embedded-only.ts'
import { type WorkerReadiness, workerHealthRoutes } from '../api/worker/health.ts'
import type { Config } from '../config/schema.ts'
import { AedgwError } from '../lib/errors.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { SecretHasher } from '../lib/secrets.ts'
import { CabinetReadiness } from '../rules/readiness.ts'
import { Thresholds } from '../rules/thresholds.ts'
import { PgLiveStateStore } from '../state/postgres/live-state-store.ts'
import { type RegistryMirror, registerInPostgres } from './registry-mirror.ts'

export interface WorkerApiDeps {
  config: Readonly<Config>
  log: Logger
  clock: () => number
  pool: pg.Pool
  hasher: SecretHasher
  tx: PgStateTransaction
  notices: PgNotices
  registry: Pick<RegistryMirror, 'get' | 'list' | 'refresh'>
  metrics: Metrics
  readiness: () => WorkerReadiness
  /** Notifications were queued (a manual resolve): the delivery sender looks at once. */
  onQueued: () => void
}

/**
 * The public REST API of a worker (docs/cluster.md, "The API in worker mode"): the embedded
 * API's routes and payloads for alerts, silences, API tokens and the work list (the same route
 * code, over PostgreSQL), cabinets read from the registry and PostgreSQL's live states and
 * registered there, health, metrics and /docs; the routes it does not serve answer 501
 * AEDGW_ERR_EMBEDDED_ONLY. All state is in PostgreSQL, so any worker answers any request.
 */
export class WorkerApi {
  readonly app: FastifyInstance
  readonly tokens: PgApiTokens
  private readonly deps: WorkerApiDeps
  private boundPort: number | null = null

  constructor(deps: WorkerApiDeps) {
    this.deps = deps
    const { config } = deps
    this.tokens = new PgApiTokens({
      pool: deps.pool,
      hasher: deps.hasher,
      clock: deps.clock,
      cacheMs: config.cluster.api.token_cache_ms,
    })
    this.app = Fastify({
      loggerInstance: deps.log as FastifyBaseLogger,
      logController: new LogController({
        disableRequestLogging: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url),
      }),
      bodyLimit: config.http.body_limit_bytes,
      requestTimeout: config.http.request_timeout_ms,
      connectionTimeout: config.http.idle_timeout_ms,
      return503OnClosing: true,
    })
  }

  /** Registers the routes, makes AEDGW_ADMIN_TOKEN an admin token in PostgreSQL, listens. */
  async start(): Promise<void> {
    const { config } = this.deps
    await this.routes()
    if (config.api.admin_token) await this.tokens.bootstrapAdmin(config.api.admin_token)
    const { bind, port } = config.cluster.api
    if (port === null) return
    await this.app.listen({ host: bind, port })
    const a = this.app.server.address()
    this.boundPort = typeof a === 'object' && a ? a.port : port
  }

  async stop(): Promise<void> {
    await this.app.close()
    this.boundPort = null
  }

  /** The port it listens on, or null. */
  get port(): number | null {
    return this.boundPort
  }

  /**
   * The maintenance work list from PostgreSQL: every live state and open alert read once, then
   * the embedded mode's list (no coverage impact: the coverage stage is embedded-only).
   */
  private async workList(withinDays: number): Promise<WorkList> {
    const { pool, config, registry, clock } = this.deps
    const [states, open] = await Promise.all([
      new PgLiveStateStore(pool).loadAll(),
      new PgAlertStore(pool).list({ states: ['active', 'acknowledged'], limit: 1_000_000 }),
    ])
    const live = new Map(states.map((r) => [r.cabinet, r.live]))
    const alerts = new Map(open.map((a) => [alertKey(a.cabinet_id, a.type), a]))
    return maintenanceList(
      {
        registry,
        state: { get: (id) => live.get(id) },
        lifecycle: { current: (id, type) => alerts.get(alertKey(id, type)) },
        thresholds: new Thresholds(config.alerts),
        minSamples: config.alerts.forecast.min_samples,
      },
      withinDays,
      clock(),
    )
  }

  private async routes(): Promise<void> {
    const { config, pool, clock, registry } = this.deps
    const app = this.app
    const tokens = this.tokens
    app.setValidatorCompiler(() => (data) => ({ value: data }))
    installErrorHandling(app, this.deps.log)
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    })
    await app.register(swagger, {
      openapi: {
        info: { title: 'AED gateway API (cluster worker)', version: '1' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    })
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiHooks: { onRequest: requireRole(tokens, 'viewer') },
    })
    workerHealthRoutes(app, { tokens, readiness: this.deps.readiness })
    app.get(
      '/metrics',
      {
        preHandler: requireRole(tokens, 'viewer'),
        schema: { tags: ['operations'], summary: 'Prometheus metrics' },
      },
      async (_req, reply) =>
        reply.type(this.deps.metrics.registry.contentType).send(await this.deps.metrics.registry.metrics()),
    )
    const live = new PgLiveStateStore(pool)
    const readiness = new CabinetReadiness({
      state: { get: () => undefined },
      registry,
      thresholds: new Thresholds(config.alerts),
      clock,
    })
    workerCabinetRoutes(app, {
      tokens,
      registry,
      live: (id) => live.get(id),
      allLive: async () => new Map((await live.loadAll()).map((r) => [r.cabinet, r.live])),
      readiness: (id, l) => readiness.at(id, l, clock()),
      register: async (reg) => {
        let secret: string
        try {
          secret = await registerInPostgres(pool, this.deps.hasher, reg, clock())
        } catch (err) {
          // unique_violation: registered already (by this or another worker)
          if ((err as { code?: string }).code === '23505')
            throw new AedgwError('AEDGW_ERR_CABINET_EXISTS', `cabinet ${reg.id} is already registered`)
          throw err
        }
        this.deps.log.info({ cabinet: reg.id, district: reg.district_code }, 'cabinet registered')
        // this worker knows it at once; the others at their next refresh (registry_refresh_ms)
        await registry.refresh()
        return secret
      },
    })
    const alerts = new PgAlertService({
      pool,
      tx: this.deps.tx,
      notices: this.deps.notices,
      clock,
      onQueued: () => this.deps.onQueued(),
    })
    alertRoutes(app, { tokens }, alerts)
    tokenRoutes(app, { tokens, clock })
    maintenanceRoutes(app, { tokens }, { list: (days) => this.workList(days) })
    silenceRoutes(app, { tokens, clock }, new PgSilences({ pool, config: config.alerts, clock }))
    embeddedOnlyRoutes(app)
  }
}
