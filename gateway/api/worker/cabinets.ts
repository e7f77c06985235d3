import type { FastifyInstance } from 'fastify'
import { AedgwError } from '../../lib/errors.ts'
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
}

/**
 * The cabinet reads of the API in worker mode: the same paths, query and payloads as embedded
 * mode (routes/cabinets.ts), with live state from PostgreSQL, which every worker writes. The
 * writes (register, update, rotate, retire, reinstate) answer 501 (embedded-only.ts).
 */
export function workerCabinetRoutes(app: FastifyInstance, deps: CabinetReads): void {
  const viewer = requireRole(deps.tokens, 'viewer')
  const tags = ['cabinets']
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
