import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { AlertFilter } from '../../alerts/alert-store.ts'
import type { Alert, Transition } from '../../alerts/types.ts'
import { AedgwError } from '../../lib/errors.ts'
import { requireRole, type TokenLookup } from '../auth.ts'
import { parseOr400 } from '../errors.ts'

type MaybeAsync<T> = T | Promise<T>

/**
 * What the alert routes need: `AlertService` (embedded: the lifecycle in memory, SQLite) answers
 * at once; `PgAlertService` (worker mode: PostgreSQL, under the cabinet's lock) after its
 * transaction. Errors are the same codes either way.
 */
export interface AlertApi {
  list(filter: AlertFilter): MaybeAsync<Alert[]>
  get(id: string): MaybeAsync<{ alert: Alert; transitions: Transition[] } | null>
  acknowledge(id: string, by: string, comment: string | null): MaybeAsync<Alert>
  assign(
    id: string,
    assignee: string | null,
    team: string | null,
    by: string,
    comment: string | null,
  ): MaybeAsync<Alert>
  comment(id: string, by: string, comment: string): MaybeAsync<Alert | null>
  resolve(id: string, by: string, comment: string | null): MaybeAsync<Alert | null>
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function alertView(a: Alert) {
  return {
    id: a.id,
    cabinet_id: a.cabinet_id,
    type: a.type,
    severity: a.severity,
    state: a.state,
    team: a.team,
    assignee: a.assignee,
    labels: a.labels,
    summary: a.summary,
    facts: a.facts,
    started_at: iso(a.started_ms),
    updated_at: iso(a.updated_ms),
    acknowledged_at: iso(a.acknowledged_ms),
    acknowledged_by: a.acknowledged_by,
    resolved_at: iso(a.resolved_ms),
    resolved_by: a.resolved_by,
    reopen_count: a.reopen_count,
    escalation_level: a.escalation_level,
  }
}

function transitionView(t: Transition) {
  return {
    at: iso(t.at_ms),
    kind: t.kind,
    from: t.from_state,
    to: t.to_state,
    severity: t.severity,
    by: t.by,
    comment: t.comment,
  }
}

const STATES = ['active', 'acknowledged', 'resolved'] as const
const listQuery = z.strictObject({
  state: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined
      const out = s.split(',').flatMap((x) => (x === 'open' ? ['active', 'acknowledged'] : [x]))
      const bad = out.filter((x) => !(STATES as readonly string[]).includes(x))
      if (bad.length)
        ctx.addIssue({
          code: 'custom',
          message: `unknown state ${bad.join(', ')} (active, acknowledged, resolved, open)`,
        })
      return out as Array<(typeof STATES)[number]>
    }),
  cabinet: z.string().max(80).optional(),
  type: z.string().max(40).optional(),
  severity: z.enum(['minor', 'warning', 'major', 'critical']).optional(),
  district: z.string().max(8).optional(),
  team: z.string().max(40).optional(),
  assignee: z.string().max(120).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})
const idParams = z.object({ id: z.string().regex(/^al_[a-z0-9]{4,40}$/, 'not an alert id') })
const actBody = z
  .strictObject({
    comment: z.string().trim().min(1).max(1000).optional(),
    by: z.string().trim().min(1).max(120).optional(),
  })
  .default({})
const commentBody = z.strictObject({
  comment: z.string().trim().min(1).max(1000),
  by: z.string().trim().min(1).max(120).optional(),
})
const assignBody = z.strictObject({
  assignee: z.string().trim().min(1).max(120).nullable(),
  team: z.string().trim().min(1).max(40).optional(),
  comment: z.string().trim().min(1).max(1000).optional(),
  by: z.string().trim().min(1).max(120).optional(),
})

/**
 * Who acted: the API token's name and role (which the client cannot choose), and the person it
 * says acted through it in `by`, if any: "somchai via team-north (maintainer)".
 */
function actor(req: FastifyRequest, by: string | undefined): string {
  const token = `${req.tokenName ?? 'unknown'} (${req.role ?? 'unknown'})`
  return by ? `${by} via ${token}` : token
}

export function alertRoutes(app: FastifyInstance, ctx: { tokens: TokenLookup }, alerts: AlertApi): void {
  const viewer = requireRole(ctx.tokens, 'viewer')
  const maintainer = requireRole(ctx.tokens, 'maintainer')
  const tags = ['alerts']

  app.get(
    '/api/v1/alerts',
    {
      preHandler: viewer,
      schema: { tags, summary: 'Alerts, newest change first; state=active,acknowledged,resolved or open' },
    },
    async (req) => {
      const q = parseOr400(listQuery, req.query)
      const items = (await alerts.list({ ...q, states: q.state })).map(alertView)
      return { items, count: items.length }
    },
  )

  app.get(
    '/api/v1/alerts/:id',
    { preHandler: viewer, schema: { tags, summary: 'One alert with every transition' } },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      const found = await alerts.get(id)
      if (!found) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
      return { ...alertView(found.alert), transitions: found.transitions.map(transitionView) }
    },
  )

  app.post(
    '/api/v1/alerts/:id/ack',
    {
      preHandler: maintainer,
      schema: { tags, summary: 'Acknowledge: a person is on it (stops reminders and escalation)' },
    },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      const b = parseOr400(actBody, req.body ?? {})
      return alertView(await alerts.acknowledge(id, actor(req, b.by), b.comment ?? null))
    },
  )

  app.post(
    '/api/v1/alerts/:id/resolve',
    {
      preHandler: maintainer,
      schema: { tags, summary: 'Resolve, where a person may (409 for conditions that clear themselves)' },
    },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      const b = parseOr400(actBody, req.body ?? {})
      const a = await alerts.resolve(id, actor(req, b.by), b.comment ?? null)
      if (!a) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
      return alertView(a)
    },
  )

  app.post(
    '/api/v1/alerts/:id/comment',
    {
      preHandler: maintainer,
      schema: { tags, summary: "Add a note to the alert's history (open or resolved); nobody is notified" },
    },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      const b = parseOr400(commentBody, req.body)
      const a = await alerts.comment(id, actor(req, b.by), b.comment)
      if (!a) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
      return alertView(a)
    },
  )

  app.post(
    '/api/v1/alerts/:id/assign',
    { preHandler: maintainer, schema: { tags, summary: 'Assign to a person and/or team' } },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      const b = parseOr400(assignBody, req.body)
      return alertView(
        await alerts.assign(id, b.assignee, b.team ?? null, actor(req, b.by), b.comment ?? null),
      )
    },
  )
}
