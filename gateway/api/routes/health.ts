import type { FastifyInstance, FastifyRequest } from 'fastify'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { roleAtLeast } from '../tokens.ts'

export function readiness(ctx: ApiContext): {
  ready: boolean
  checks: Record<string, { ok: boolean; detail?: string }>
} {
  const room = ctx.outbox.accepting()
  const writer = ctx.writer.status()
  const checks: Record<string, { ok: boolean; detail?: string }> = {
    broker: { ok: ctx.broker.listening() },
    store: room.ok ? { ok: true } : { ok: false, detail: room.reason },
    influxdb: writer.healthy ? { ok: true } : { ok: false, detail: writer.error ?? 'not reached yet' },
  }
  // Ready while the broker listens and acknowledged messages can be kept: InfluxDB may be down
  // as long as the outbox takes the load (the contract's readiness rule).
  const ready = checks.broker?.ok === true && checks.store?.ok === true
  return { ready, checks }
}

/** Where the health routes are served: the public listener, or the operations listener. */
export type Listener = 'public' | 'ops'

/** A request on the public listener that carries an API token of viewer or above. */
function hasViewerToken(ctx: ApiContext, req: FastifyRequest): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))
  const identity = m ? ctx.tokens.identify(m[1] as string) : null
  return identity !== null && roleAtLeast(identity.role, 'viewer')
}

/**
 * /healthz and /readyz. On the public listener /readyz says ready or not and nothing more (the
 * status code is the same); its checks and the outbox depth, which move with the traffic cabinets
 * send, are shown on the operations listener or to an API token.
 */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext, listener: Listener): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness', security: [] } }, async () => ({
    status: 'ok',
  }))
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness; the checks and why on the operations listener or with an API token',
        security: [],
      },
    },
    async (req, reply) => {
      const r = readiness(ctx)
      const status = r.ready ? 'ready' : 'not_ready'
      reply.status(r.ready ? 200 : 503)
      if (listener === 'public' && !hasViewerToken(ctx, req)) return reply.send({ status })
      const depth = ctx.outbox.snapshot()
      return reply.send({
        status,
        checks: r.checks,
        outbox: { depth: depth.depth, bytes: depth.bytes },
      })
    },
  )
}

/**
 * Prometheus metrics. Message counters tick with every door and AED event, so scraped each second
 * next to the public feed they would time emergencies: on the public listener they need an API
 * token (viewer or above); the operations listener serves them to its (loopback or operations)
 * network.
 */
export function metricsRoutes(app: FastifyInstance, ctx: ApiContext, listener: Listener): void {
  app.get(
    '/metrics',
    {
      ...(listener === 'public' ? { preHandler: requireRole(ctx.tokens, 'viewer') } : {}),
      schema: { tags: ['operations'], summary: 'Prometheus metrics' },
    },
    async (_req, reply) => {
      ctx.metrics.refresh()
      const body = await ctx.metrics.registry.metrics()
      return reply.type(ctx.metrics.registry.contentType).send(body)
    },
  )
}
