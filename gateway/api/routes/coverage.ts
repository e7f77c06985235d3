import type { FastifyInstance } from 'fastify'
import type { Coverage } from '../../coverage/coverage.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'

/** District coverage now; over time it is in InfluxDB (`coverage`) and on the fleet dashboard. */
export function coverageRoutes(app: FastifyInstance, ctx: ApiContext, coverage: Coverage): void {
  const viewer = requireRole(ctx.tokens, 'viewer')
  app.get(
    '/api/v1/coverage',
    {
      preHandler: viewer,
      schema: {
        tags: ['coverage'],
        summary: 'Per district: share of demand points within the coverage radius of a usable AED',
      },
    },
    async () => {
      const districts = coverage.districtCoverage()
      const points = districts.reduce((n, d) => n + d.points, 0)
      const covered = districts.reduce((n, d) => n + d.covered, 0)
      return {
        generated_at: new Date(ctx.clock()).toISOString(),
        usable_aeds: coverage.usableCount(),
        city: { points, covered, share: points === 0 ? 0 : covered / points },
        districts,
      }
    },
  )
}
