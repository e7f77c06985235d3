import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { matcherProblem, parseMatcher } from '../../alerts/matchers.ts'
import type { Silence, Silences } from '../../alerts/silences.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'

const matcher = z.union([
  z
    .string()
    .regex(/^[a-z_][a-z0-9_]*(=~|!~|!=|=).*$/, 'not a matcher (label=value, !=, =~, !~)')
    .transform(parseMatcher),
  z.strictObject({
    name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
    value: z.string().max(500),
    is_regex: z.boolean().default(false),
    is_equal: z.boolean().default(true),
  }),
])
const timestamp = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))
const createBody = z.strictObject({
  matchers: z
    .array(matcher)
    .min(1)
    .superRefine((ms, ctx) => {
      for (const [i, m] of ms.entries()) {
        const problem = matcherProblem(m)
        if (problem) ctx.addIssue({ code: 'custom', path: [i, 'value'], message: problem })
      }
    }),
  starts_at: timestamp.optional(),
  ends_at: timestamp,
  created_by: z.string().trim().min(1).max(120),
  comment: z.string().trim().min(1).max(1000),
})

function view(s: Silence, now: number) {
  return {
    id: s.id,
    matchers: s.matchers,
    starts_at: new Date(s.starts_ms).toISOString(),
    ends_at: new Date(s.ends_ms).toISOString(),
    created_by: s.created_by,
    comment: s.comment,
    created_at: new Date(s.created_ms).toISOString(),
    status: now < s.starts_ms ? 'pending' : now < s.ends_ms ? 'active' : 'expired',
  }
}

export function silenceRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  silences: Pick<Silences, 'list' | 'create' | 'expire'>,
): void {
  const viewer = requireRole(ctx.tokens, 'viewer')
  const maintainer = requireRole(ctx.tokens, 'maintainer')
  const tags = ['silences']

  app.get(
    '/api/v1/silences',
    { preHandler: viewer, schema: { tags, summary: 'Silences (Alertmanager-style matchers)' } },
    async () => {
      const now = ctx.clock()
      const items = silences.list().map((s) => view(s, now))
      return { items, count: items.length }
    },
  )

  app.post(
    '/api/v1/silences',
    {
      preHandler: maintainer,
      schema: { tags, summary: 'Mute notifications of matching alerts between starts_at and ends_at' },
    },
    async (req, reply) => {
      const b = parseOr400(createBody, req.body)
      const s = silences.create({
        matchers: b.matchers,
        starts_ms: b.starts_at ?? ctx.clock(),
        ends_ms: b.ends_at,
        created_by: b.created_by,
        comment: b.comment,
      })
      return reply.status(201).send(view(s, ctx.clock()))
    },
  )

  app.delete(
    '/api/v1/silences/:id',
    { preHandler: maintainer, schema: { tags, summary: 'Expire a silence now' } },
    async (req) => {
      const { id } = parseOr400(z.object({ id: z.string().min(1).max(64) }), req.params)
      return view(silences.expire(id), ctx.clock())
    },
  )
}
