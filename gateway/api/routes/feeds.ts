import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { healthMapCsv } from '../../feeds/healthmap/csv.ts'
import type { HealthMapFeed } from '../../feeds/healthmap/feed.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

const query = z.object({ format: z.enum(['geojson', 'csv']).optional() })

/**
 * Public feeds. The health-map feed is GeoJSON by default; CSV with `?format=csv` or
 * `Accept: text/csv`. Every caller gets the snapshot of the current boundary
 * (`feeds.healthmap.snapshot_interval_ms`), with its ETag and Last-Modified: If-None-Match
 * (RFC 9110 §13.1.2) or If-Modified-Since (§13.1.3) lets a map poll cheaply.
 */
export function feedRoutes(app: FastifyInstance, ctx: ApiContext, feed: HealthMapFeed): void {
  const maxAge = ctx.config.feeds.healthmap.cache_max_age_s
  app.get(
    '/feeds/healthmap.geojson',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Public AED availability (RFC 7946 FeatureCollection); CSV with ?format=csv',
        security: [],
      },
    },
    async (req, reply) => {
      const q = parseOr400(query, req.query)
      const accept = String(req.headers.accept ?? '')
      const csv = q.format === 'csv' || (q.format === undefined && /\btext\/csv\b/.test(accept))
      const snap = feed.snapshot()
      const etag = csv ? `"csv-${snap.etag.slice(1)}` : snap.etag
      reply
        .header('etag', etag)
        .header('last-modified', new Date(snap.modifiedAtMs).toUTCString())
        .header('cache-control', `public, max-age=${maxAge}`)
        .header('vary', 'accept')
        .header('access-control-allow-origin', '*')
      const inm = req.headers['if-none-match']
      if (typeof inm === 'string' && inm.split(/\s*,\s*/).some((t) => t === etag || t === `W/${etag}`)) {
        return reply.status(304).send()
      }
      const ims = Date.parse(String(req.headers['if-modified-since'] ?? ''))
      if (inm === undefined && Number.isFinite(ims) && snap.modifiedAtMs <= ims)
        return reply.status(304).send()
      if (csv) {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', 'inline; filename="healthmap.csv"')
          .send(healthMapCsv(snap.collection))
      }
      return reply.header('content-type', 'application/geo+json; charset=utf-8').send(snap.body)
    },
  )
}
