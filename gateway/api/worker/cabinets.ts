import type { FastifyInstance } from 'fastify'
import { AedgwError } from '../../lib/errors.ts'
import { type Registration, registrationSchema } from '../../protocol/registration.ts'
import type { Cabinet } from '../../registry/registry.ts'
import type { Readiness, ReadinessReason } from '../../rules/readiness.ts'
import type { CabinetLive } from '../../state/live-state.ts'
import { requireRole, type TokenLookup } from '../auth.ts'
import { parseOr400 } from '../errors.ts'
import { cabinetIdParams, cabinetListQuery, cabinetView } from '../routes/cabinets.ts'

/** Where a worker's API reads cabinets: the registry (mirrored from PostgreSQL) and the live states. */
export interface CabinetReads {
  tokens: TokenLookup
  registry: { get(id: string): Cabinet | undefined; list(): Cabinet[] }
  /** One cabinet's saved live state (PostgreSQL), or null before its first reading. */
  live(id: string): Promise<CabinetLive | null>
  /** Every saved live state (one query for the list). */
  allLive(): Promise<Map<string, CabinetLive>>
  /** Readiness from the rules, at this moment, from a live state. */
  readiness(id: string, live: CabinetLive | undefined): { readiness: Readiness; reasons: ReadinessReason[] }
  /** Registers a cabinet in PostgreSQL; its secret. AEDGW_ERR_CABINET_EXISTS for a known id. */
  register(reg: Registration): Promise<string>
}

/**
 * The cabinet reads of the API in worker mode: the same paths, query and payloads as embedded
 * mode (routes/cabinets.ts), with live state from PostgreSQL, which every worker writes; and
 * registration (the simulator registers its fleet through it). The other writes (update, rotate,
 * retire, reinstate) answer 501 (embedded-only.ts): they must also close the cabinet's session on
 * whichever broker node holds it.
 */
export function workerCabinetRoutes(app: FastifyInstance, deps: CabinetReads): void {
  const viewer = requireRole(deps.tokens, 'viewer')
  const admin = requireRole(deps.tokens, 'admin')
  const tags = ['cabinets']

  app.post(
    '/api/v1/cabinets',
    {
      preHandler: admin,
      schema: { tags, summary: 'Register a cabinet; the answer holds its secret, shown only this once' },
    },
    async (req, reply) => {
      const reg = parseOr400(registrationSchema, req.body)
      const secret = await deps.register(reg)
      return reply.status(201).send({ id: reg.id, secret })
    },
  )
  const view = (c: Cabinet, live: CabinetLive | undefined) =>
    cabinetView(c, live, deps.readiness(c.registration.id, live))

  app.get(
    '/api/v1/cabinets',
    { preHandler: viewer, schema: { tags, summary: 'Registry plus live state' } },
    async (req) => {
      const q = parseOr400(cabinetListQuery, req.query)
      const live = await deps.allLive()
      const items = deps.registry
        .list()
        .filter((c) => (q.include_retired === 'true' ? true : !c.retired))
        .filter((c) => (q.district ? c.registration.district_code === q.district : true))
        .map((c) => view(c, live.get(c.registration.id)))
      return { items, count: items.length }
    },
  )

  app.get(
    '/api/v1/cabinets/:id',
    { preHandler: viewer, schema: { tags, summary: 'One cabinet' } },
    async (req) => {
      const { id } = parseOr400(cabinetIdParams, req.params)
      const c = deps.registry.get(id)
      if (!c) throw new AedgwError('AEDGW_ERR_CABINET_NOT_FOUND', `no cabinet ${id}`)
      return view(c, (await deps.live(id)) ?? undefined)
    },
  )
}
