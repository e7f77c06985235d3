import helmet from '@fastify/helmet'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { requireRole } from './auth.ts'
import type { ApiContext } from './context.ts'
import { installErrorHandling } from './errors.ts'
import { installHttpGuards } from './http-guard.ts'
import { adminRoutes } from './routes/admin.ts'
import { alertLinkRoutes } from './routes/alert-links.ts'
import { alertStreamRoutes } from './routes/alert-stream.ts'
import { alertRoutes } from './routes/alerts.ts'
import { cabinetRoutes } from './routes/cabinets.ts'
import { consoleRoutes } from './routes/console.ts'
import { consoleApiRoutes } from './routes/console-api.ts'
import { coverageRoutes } from './routes/coverage.ts'
import { exportRoutes } from './routes/exports.ts'
import { feedRoutes } from './routes/feeds.ts'
import { healthRoutes, metricsRoutes } from './routes/health.ts'
import { maintenanceRoutes } from './routes/maintenance.ts'
import { nearestRoutes } from './routes/nearest.ts'
import { silenceRoutes } from './routes/silences.ts'

/**
 * Builds the public HTTP API (not listening): REST, feeds, health; metrics and the OpenAPI
 * document at /docs for API tokens (the operations listener, ops-server.ts, serves them openly).
 */
export async function buildApi(ctx: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.log.child({ module: 'api' }) as FastifyBaseLogger,
    // probes and scrapes arrive every few seconds: keep them out of the log
    logController: new LogController({
      disableRequestLogging: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url),
    }),
    bodyLimit: ctx.config.http.body_limit_bytes,
    requestTimeout: ctx.config.http.request_timeout_ms,
    connectionTimeout: ctx.config.http.idle_timeout_ms,
    return503OnClosing: true,
  })
  // Bodies and queries are validated with zod in the handlers (one schema language for the whole
  // project); route schemas are kept for the OpenAPI document only.
  app.setValidatorCompiler(() => (data) => ({ value: data }))
  installErrorHandling(app, ctx.log)
  // nosniff, a CSP, frame-ancestors/X-Frame-Options on every answer (errors and 404s included).
  // The listener is plain HTTP (TLS, if any, ends at a proxy): no upgrade-insecure-requests, or
  // /docs would ask for https scripts. Resources may be read cross-origin: the health-map feed is
  // public by design and the API authenticates with bearer tokens, never with cookies.
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  })
  installHttpGuards(app, ctx)
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'AED gateway API',
        version: '1',
        description: 'Registry, alerts, feeds and operations of the AED gateway',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiHooks: { onRequest: requireRole(ctx.tokens, 'viewer') },
  })
  healthRoutes(app, ctx, 'public')
  metricsRoutes(app, ctx, 'public')
  cabinetRoutes(app, ctx)
  adminRoutes(app, ctx)
  if (ctx.alerts) alertRoutes(app, ctx, ctx.alerts)
  if (ctx.silences) silenceRoutes(app, ctx, ctx.silences)
  if (ctx.maintenance) maintenanceRoutes(app, ctx, ctx.maintenance)
  if (ctx.healthmap) feedRoutes(app, ctx, ctx.healthmap)
  if (ctx.exports) exportRoutes(app, ctx, ctx.exports)
  if (ctx.coverage) nearestRoutes(app, ctx, ctx.coverage.live, ctx.coverage.public)
  if (ctx.coverage) coverageRoutes(app, ctx, ctx.coverage.live)
  if (ctx.config.console.enabled) {
    consoleApiRoutes(app, ctx)
    if (ctx.alertEvents) alertStreamRoutes(app, ctx, ctx.alertEvents)
    if (ctx.alerts && ctx.links) alertLinkRoutes(app, ctx, ctx.alerts, ctx.links)
    await consoleRoutes(app, ctx)
  }
  return app
}
