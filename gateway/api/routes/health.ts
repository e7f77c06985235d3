import type { FastifyInstance } from 'fastify'
import type { ApiContext } from '../context.ts'
import { authenticated } from '../http-guard.ts'

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

export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async () => ({
    status: 'ok',
  }))
  app.get(
    '/readyz',
    { schema: { tags: ['operations'], summary: 'Readiness, with each check and why' } },
    async (req, reply) => {
      const r = readiness(ctx)
      const depth = ctx.outbox.snapshot()
      // InfluxDB's error text names hosts and ports: only token holders see it
      const influx = r.checks.influxdb
      if (influx && !authenticated(ctx, req)) r.checks.influxdb = { ok: influx.ok }
      return reply.status(r.ready ? 200 : 503).send({
        status: r.ready ? 'ready' : 'not_ready',
        checks: r.checks,
        outbox: { depth: depth.depth, bytes: depth.bytes },
      })
    },
  )
}

export function metricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics' } },
    async (_req, reply) => {
      ctx.metrics.refresh()
      const body = await ctx.metrics.registry.metrics()
      return reply.type(ctx.metrics.registry.contentType).send(body)
    },
  )
}
