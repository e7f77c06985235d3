import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Coverage } from '../../coverage/coverage.ts'
import type { PublicNearest } from '../../coverage/public-nearest.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

const query = z.strictObject({
  lat: z.coerce.number().min(-90).max(90),
  lon: z.coerce.number().min(-180).max(180),
  limit: z.coerce.number().int().min(1).max(50).default(5),
  /** Farthest walking distance answered, metres. */
  max_m: z.coerce.number().min(1).max(50_000).default(2000),
})

const querySchema = {
  type: 'object',
  required: ['lat', 'lon'],
  properties: {
    lat: { type: 'number', minimum: -90, maximum: 90 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
    limit: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
    max_m: { type: 'number', minimum: 1, maximum: 50000, default: 2000 },
  },
}

/**
 * Nearest usable AEDs, by estimated walking distance (great-circle × detour factor) with a
 * walking time: live for dispatchers (a dispatch centre sending a bystander), and for everyone
 * from the public feed's snapshot with the feed's privacy rules. docs/coverage.md
 */
export function nearestRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  coverage: Coverage,
  publicNearest: PublicNearest | undefined,
): void {
  const dispatcher = requireRole(ctx.tokens, 'dispatcher')
  const model = () => ({
    detour_factor: ctx.config.coverage.detour_factor,
    walking_speed_mps: ctx.config.coverage.walking_speed_mps,
  })
  app.get(
    '/api/v1/aeds/nearest',
    {
      preHandler: dispatcher,
      schema: {
        tags: ['coverage'],
        summary: 'Usable AEDs nearest to a place, with live status and walking estimates (dispatcher+)',
        querystring: querySchema,
      },
    },
    async (req) => {
      const q = parseOr400(query, req.query)
      const aeds = coverage.nearest(q.lat, q.lon, q.limit, q.max_m)
      return { lat: q.lat, lon: q.lon, max_m: q.max_m, ...model(), count: aeds.length, aeds }
    },
  )
  if (!publicNearest) return
  const maxAge = Math.floor(ctx.config.coverage.public_snapshot_ms / 1000)
  app.get(
    '/feeds/nearest',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Available AEDs nearest to a place, from the public health-map feed',
        querystring: querySchema,
        security: [],
      },
    },
    async (req, reply) => {
      const q = parseOr400(query, req.query)
      const aeds = publicNearest.nearest(q.lat, q.lon, q.limit, q.max_m)
      reply.header('cache-control', `public, max-age=${maxAge}`).header('access-control-allow-origin', '*')
      return { lat: q.lat, lon: q.lon, max_m: q.max_m, ...model(), count: aeds.length, aeds }
    },
  )
}
