import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { AedgwError } from '../../lib/errors.ts'
import { districtByCode } from '../../protocol/districts.ts'
import { registrationSchema } from '../../protocol/registration.ts'
import { CABINET_ID_RE } from '../../protocol/topics.ts'
import type { Cabinet } from '../../registry/registry.ts'
import type { Readiness, ReadinessReason } from '../../rules/readiness.ts'
import type { CabinetLive } from '../../state/live-state.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

export const cabinetIdParams = z.object({ id: z.string().regex(CABINET_ID_RE, 'not a cabinet id') })
const registrationJsonSchema = z.toJSONSchema(registrationSchema, { io: 'input', unrepresentable: 'any' })

function view(ctx: ApiContext, c: Cabinet) {
  return cabinetView(c, ctx.state.get(c.registration.id), ctx.readiness?.of(c.registration.id))
}

/** A cabinet as the API shows it: its registration, district names and live state with readiness. */
export function cabinetView(
  c: Cabinet,
  live: CabinetLive | undefined,
  readiness: { readiness: Readiness; reasons: ReadinessReason[] } | undefined,
) {
  const reg = c.registration
  const district = districtByCode(reg.district_code)
  return {
    ...reg,
    district_name: district?.name_en ?? null,
    district_name_th: district?.name_th ?? null,
    retired: c.retired,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    live: {
      connected: live?.connected ?? false,
      last_seen: live?.last_seen_ms ? new Date(live.last_seen_ms).toISOString() : null,
      status: live?.status ?? null,
      last_heartbeat: live?.last_heartbeat
        ? { ...live.last_heartbeat, ts: new Date(live.last_heartbeat.ts).toISOString() }
        : null,
      door: live?.door ?? null,
      aed_present: live?.aed_present ?? null,
      power: live?.power ?? null,
      ...(readiness ?? { readiness: 'unknown', reasons: [] }),
    },
  }
}

/** The cabinet list's query: `district`, `include_retired`. */
export const cabinetListQuery = z.object({
  district: z.string().optional(),
  include_retired: z.enum(['true', 'false']).optional(),
})

export function cabinetRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const admin = requireRole(ctx.tokens, 'admin')
  const viewer = requireRole(ctx.tokens, 'viewer')
  const tags = ['cabinets']

  app.post(
    '/api/v1/cabinets',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Register a cabinet; the answer holds its secret, shown only this once',
        body: registrationJsonSchema,
      },
    },
    async (req, reply) => {
      const reg = parseOr400(registrationSchema, req.body)
      const { secret } = ctx.registry.register(reg)
      return reply.status(201).send({ id: reg.id, secret })
    },
  )

  app.get(
    '/api/v1/cabinets',
    { preHandler: viewer, schema: { tags, summary: 'Registry plus live state' } },
    async (req) => {
      const q = parseOr400(cabinetListQuery, req.query)
      const items = ctx.registry
        .list()
        .filter((c) => (q.include_retired === 'true' ? true : !c.retired))
        .filter((c) => (q.district ? c.registration.district_code === q.district : true))
        .map((c) => view(ctx, c))
      return { items, count: items.length }
    },
  )

  app.get(
    '/api/v1/cabinets/:id',
    { preHandler: viewer, schema: { tags, summary: 'One cabinet' } },
    async (req) => {
      const { id } = parseOr400(cabinetIdParams, req.params)
      const c = ctx.registry.get(id)
      if (!c) throw new AedgwError('AEDGW_ERR_CABINET_NOT_FOUND', `no cabinet ${id}`)
      return view(ctx, c)
    },
  )

  app.put(
    '/api/v1/cabinets/:id',
    {
      preHandler: admin,
      schema: { tags, summary: 'Replace a cabinet’s details (not its secret)', body: registrationJsonSchema },
    },
    async (req) => {
      const { id } = parseOr400(cabinetIdParams, req.params)
      const reg = parseOr400(registrationSchema, req.body)
      if (reg.id !== id) throw new AedgwError('AEDGW_ERR_VALIDATION', 'body id differs from the path')
      return view(ctx, ctx.registry.update(reg))
    },
  )

  app.post(
    '/api/v1/cabinets/:id/secret',
    { preHandler: admin, schema: { tags, summary: 'Issue a new secret; the old one stops working' } },
    async (req) => {
      const { id } = parseOr400(cabinetIdParams, req.params)
      const secret = ctx.registry.rotateSecret(id)
      req.log.info({ audit: 'cabinet_secret_rotated', cabinet: id, by: req.tokenName }, 'secret rotated')
      return { id, secret }
    },
  )

  app.delete(
    '/api/v1/cabinets/:id',
    {
      preHandler: admin,
      schema: { tags, summary: 'Retire a cabinet: it keeps its history, may not connect' },
    },
    async (req) => {
      const { id } = parseOr400(cabinetIdParams, req.params)
      const cabinet = ctx.registry.retire(id)
      req.log.info({ audit: 'cabinet_retired', cabinet: id, by: req.tokenName }, 'cabinet retired')
      return view(ctx, cabinet)
    },
  )

  app.post(
    '/api/v1/cabinets/:id/reinstate',
    {
      preHandler: admin,
      schema: { tags, summary: 'Bring a retired cabinet back: its secret works again (audited)' },
    },
    async (req) => {
      const { id } = parseOr400(cabinetIdParams, req.params)
      const cabinet = ctx.registry.reinstate(id)
      req.log.warn({ audit: 'cabinet_reinstated', cabinet: id, by: req.tokenName }, 'cabinet reinstated')
      return view(ctx, cabinet)
    },
  )
}
