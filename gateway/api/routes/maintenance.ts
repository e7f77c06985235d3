import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { type WorkList, workListCsv } from '../../alerts/maintenance-list.ts'
import { workListByImpact } from '../../coverage/work-list.ts'
import { requireRole, type TokenLookup } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

const query = z.strictObject({
  within_days: z.coerce.number().int().min(0).max(3650).default(30),
  format: z.enum(['json', 'csv']).optional(),
})

export function maintenanceRoutes(
  app: FastifyInstance,
  ctx: { tokens: TokenLookup } & Pick<ApiContext, 'coverage'>,
  // MaintenanceService (embedded) answers at once; worker mode's after reading PostgreSQL
  maintenance: { list(withinDays: number): WorkList | Promise<WorkList> },
): void {
  const viewer = requireRole(ctx.tokens, 'viewer')
  app.get(
    '/api/v1/maintenance',
    {
      preHandler: viewer,
      schema: {
        tags: ['maintenance'],
        summary:
          'Work list by district, largest coverage impact first, then soonest; CSV with format=csv or Accept: text/csv',
      },
    },
    async (req, reply) => {
      const q = parseOr400(query, req.query)
      const raw = await maintenance.list(q.within_days)
      const coverage = ctx.coverage?.live
      const list = coverage ? workListByImpact(raw, (id) => coverage.impactOf(id)) : raw
      const csv =
        q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(req.headers.accept ?? ''))
      if (!csv) return list
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="maintenance-${q.within_days}d.csv"`)
        .send(workListCsv(list))
    },
  )
}
