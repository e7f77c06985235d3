import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { ApiContext } from './context.ts'
import { installErrorHandling } from './errors.ts'
import { healthRoutes, metricsRoutes } from './routes/health.ts'

/**
 * The operations listener (`http.ops`, 127.0.0.1:9464 by default): /metrics, /docs (the public
 * API's OpenAPI document) and /readyz with its checks, without a token. What it shows moves with
 * the traffic cabinets send, so it stays on loopback or an operations network; the public listener
 * serves the same routes only to API tokens. Not listening: the composition root listens.
 */
export async function buildOpsApi(ctx: ApiContext, api: FastifyInstance): Promise<FastifyInstance> {
  await api.ready()
  const app = Fastify({
    loggerInstance: ctx.log.child({ module: 'ops-api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  })
  installErrorHandling(app, ctx.log)
  await app.register(swagger, {
    mode: 'static',
    specification: { document: api.swagger() as never },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  healthRoutes(app, ctx, 'ops')
  metricsRoutes(app, ctx, 'ops')
  return app
}
