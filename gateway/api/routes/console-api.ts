import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { AedgwError } from '../../lib/errors.ts'
import { CABINET_ID_RE } from '../../protocol/topics.ts'
import { EVENT, influxql } from '../../store/schema/index.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

const event = influxql(EVENT)
const idParams = z.object({ id: z.string().regex(CABINET_ID_RE, 'not a cabinet id') })

/** What the console asks beyond the resource routes: who the token is, and one cabinet's recent past. */
export function consoleApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const viewer = requireRole(ctx.tokens, 'viewer')

  app.get(
    '/api/v1/whoami',
    { preHandler: viewer, schema: { tags: ['tokens'], summary: 'The token’s name and role' } },
    async (req) => ({ name: req.tokenName, role: req.role }),
  )

  app.get(
    '/api/v1/cabinets/:id/history',
    {
      preHandler: viewer,
      schema: {
        tags: ['cabinets'],
        summary: 'Battery trend (live-state samples) and the last 20 events (InfluxDB)',
      },
    },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      if (!ctx.registry.get(id)) throw new AedgwError('AEDGW_ERR_CABINET_NOT_FOUND', `no cabinet ${id}`)
      const battery = (ctx.state.get(id)?.battery_samples ?? []).map(([t, pct]) => ({
        at: new Date(t).toISOString(),
        pct,
      }))
      let events: Array<{ at: string; type: string; result: string | null; detail: string | null }> = []
      let eventsError: string | null = null
      try {
        // the id matched CABINET_ID_RE: no quote can reach the query
        const [series] = await ctx.influx.query(
          `SELECT ${event.key('seq')}, ${event.key('type')}, ${event.key('result')}, ${event.key('detail')} FROM ${event.from} WHERE ${event.key('cabinet')} = '${id}' AND time > now() - 30d ORDER BY time DESC LIMIT 20`,
        )
        const s = series?.[0]
        if (s) {
          const col = (name: string) => s.columns.indexOf(name)
          events = s.values.map((v) => ({
            at: new Date(Number(v[col('time')])).toISOString(),
            type: String(v[col('type')] ?? ''),
            result: v[col('result')] == null ? null : String(v[col('result')]),
            detail: v[col('detail')] == null ? null : String(v[col('detail')]),
          }))
        }
      } catch (err) {
        // InfluxDB down: the page still shows live state and alerts
        eventsError = err instanceof Error ? err.message : String(err)
      }
      return { cabinet_id: id, battery, events, events_error: eventsError }
    },
  )
}
