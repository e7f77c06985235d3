import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'
import { ROLES } from '../tokens.ts'

export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const admin = requireRole(ctx.tokens, 'admin')

  app.post(
    '/api/v1/tokens',
    { preHandler: admin, schema: { tags: ['admin'], summary: 'Create an API token (shown once)' } },
    async (req, reply) => {
      const body = parseOr400(
        z.strictObject({ name: z.string().min(1).max(100), role: z.enum(ROLES) }),
        req.body,
      )
      return reply
        .status(201)
        .send({ name: body.name, role: body.role, token: ctx.tokens.create(body.name, body.role) })
    },
  )

  app.get(
    '/api/v1/quarantine',
    {
      preHandler: admin,
      schema: { tags: ['admin'], summary: 'Rejected payloads, newest first, with their reason' },
    },
    async (req) => {
      const q = parseOr400(
        z.object({
          before_id: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        req.query,
      )
      const rows = await ctx.outbox.listQuarantine(q.before_id ?? null, q.limit)
      return {
        items: rows.map((r) => ({
          id: r.id,
          received_at: new Date(r.recv_ms).toISOString(),
          cabinet: r.cabinet,
          topic: r.topic,
          stage: r.stage,
          reason: r.reason,
          raw_base64: Buffer.from(r.raw).toString('base64'),
        })),
      }
    },
  )
}
