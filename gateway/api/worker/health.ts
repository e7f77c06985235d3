import type { FastifyInstance } from 'fastify'
import type { TokenLookup } from '../auth.ts'
import { roleAtLeast } from '../roles.ts'

export interface WorkerReadiness {
  ready: boolean
  /** What the checks saw (shown to API tokens only, as in embedded mode). */
  detail: Record<string, unknown>
}

/**
 * /healthz and /readyz on a worker's public listener. Ready while the worker consumes from a
 * broker node (its internal /readyz's rule); as in embedded mode, the public answer says ready or
 * not and nothing more, the checks go to a viewer's token (or the internal listener).
 */
export function workerHealthRoutes(
  app: FastifyInstance,
  deps: { tokens: TokenLookup; readiness: () => WorkerReadiness },
): void {
  const tags = ['operations']
  app.get('/healthz', { schema: { tags, summary: 'Liveness', security: [] } }, async () => ({ status: 'ok' }))
  app.get(
    '/readyz',
    { schema: { tags, summary: 'Readiness; the checks with an API token', security: [] } },
    async (req, reply) => {
      const r = deps.readiness()
      const status = r.ready ? 'ready' : 'not_ready'
      reply.status(r.ready ? 200 : 503)
      const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))
      const identity = m ? await deps.tokens.identify(m[1] as string) : null
      if (!identity || !roleAtLeast(identity.role, 'viewer')) return reply.send({ status })
      return reply.send({ status, checks: r.detail })
    },
  )
}
