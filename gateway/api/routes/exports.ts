import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { ExportStore } from '../../feeds/bkkhdc/export-store.ts'
import type { BkkhdcExports } from '../../feeds/bkkhdc/exports.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

// a month the gateway can hold data for: years 2000–2999 (`0000-01` would reach InfluxQL as a
// time before its range)
const monthParams = z.object({
  month: z.string().regex(/^2\d{3}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM, from 2000-01 on'),
})
const buildQuery = z.object({
  force: z.enum(['true', 'false']).optional(),
  reason: z.string().max(500).optional(),
})
const buildBody = z.object({ reason: z.string().max(500).optional() }).optional()
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** BKKHDC dataset history, schedule and delivery state; build and deliver a month now (admin). */
export function exportRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  exports: { bkkhdc: BkkhdcExports; store: ExportStore },
): void {
  const admin = requireRole(ctx.tokens, 'admin')
  const tags = ['exports']
  const cfg = ctx.config.feeds.bkkhdc

  app.get(
    '/api/v1/exports/bkkhdc',
    {
      preHandler: admin,
      schema: { tags, summary: 'Datasets built, their delivery, the schedule and audit log' },
    },
    async () => ({
      schedule: cfg.schedule,
      time_zone: 'Asia/Bangkok',
      next_run: iso(exports.bkkhdc.nextRunMs()),
      delivery_configured: cfg.url !== null,
      items: (await exports.store.list()).map((i) => ({
        ...i,
        next_attempt: i.state === 'pending' ? iso(i.next_attempt_ms) : null,
        created_at: iso(i.created_ms),
        delivered_at: iso(i.delivered_ms),
      })),
      audit: (await exports.store.auditLog(100)).map((a) => ({ ...a, at: iso(a.at_ms) })),
    }),
  )

  app.post(
    '/api/v1/exports/bkkhdc/:month',
    {
      preHandler: admin,
      schema: {
        tags,
        summary:
          'Build a finished month now and queue it for delivery (?force=true with {"reason": …}: again, with the first build’s suppression pattern)',
      },
    },
    async (req, reply) => {
      const { month } = parseOr400(monthParams, req.params)
      const q = parseOr400(buildQuery, req.query)
      const body = parseOr400(buildBody, req.body ?? undefined)
      const item = await exports.bkkhdc.build(month, {
        force: q.force === 'true',
        trigger: 'api',
        actor: req.tokenName ?? 'unknown',
        reason: body?.reason ?? q.reason,
      })
      return reply.status(202).send(item)
    },
  )
}
