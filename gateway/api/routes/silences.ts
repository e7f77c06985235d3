import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { matcherProblem, parseMatcher } from '../../alerts/matchers.ts'
import { nextOccurrence, recurrenceSchema } from '../../alerts/recurrence.ts'
import { OPEN_ENDED, type Silence, type Silences } from '../../alerts/silences.ts'
import { AedgwError } from '../../lib/errors.ts'
import { requireRole, type TokenLookup } from '../auth.ts'
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
  /** Optional for a recurring silence: without it, its slots recur until it is expired. */
  ends_at: timestamp.optional(),
  recurrence: recurrenceSchema.optional(),
  created_by: z.string().trim().min(1).max(120),
  comment: z.string().trim().min(1).max(1000),
})

/**
 * `status`: pending before its start, expired after its end; in between active, except a
 * recurring silence between two slots, which is `scheduled` (its `next_start` says when).
 */
function view(s: Silence, now: number, silences: Pick<Silences, 'activeAt'>) {
  const status =
    now < s.starts_ms
      ? 'pending'
      : now >= s.ends_ms
        ? 'expired'
        : silences.activeAt(s, now)
          ? 'active'
          : 'scheduled'
  const next = s.recurrence ? nextOccurrence(s.recurrence, Math.max(now, s.starts_ms - 1), s.ends_ms) : null
  return {
    id: s.id,
    matchers: s.matchers,
    starts_at: new Date(s.starts_ms).toISOString(),
    ends_at: s.ends_ms >= OPEN_ENDED ? null : new Date(s.ends_ms).toISOString(),
    ...(s.recurrence
      ? { recurrence: s.recurrence, next_start: next === null ? null : new Date(next).toISOString() }
      : {}),
    created_by: s.created_by,
    comment: s.comment,
    created_at: new Date(s.created_ms).toISOString(),
    status,
  }
}

type MaybeAsync<T> = T | Promise<T>

/**
 * What the API may do with silences: `Silences` (embedded, SQLite) answers at once,
 * `PgSilences` (worker mode, PostgreSQL) after its query.
 */
export interface SilenceService {
  list(): MaybeAsync<Silence[]>
  create(input: Parameters<Silences['create']>[0]): MaybeAsync<Silence>
  expire(id: string): MaybeAsync<Silence>
  activeAt: Silences['activeAt']
}

export function silenceRoutes(
  app: FastifyInstance,
  ctx: { tokens: TokenLookup; clock: () => number },
  silences: SilenceService,
): void {
  const viewer = requireRole(ctx.tokens, 'viewer')
  const maintainer = requireRole(ctx.tokens, 'maintainer')
  const tags = ['silences']

  app.get(
    '/api/v1/silences',
    { preHandler: viewer, schema: { tags, summary: 'Silences (Alertmanager-style matchers)' } },
    async () => {
      const now = ctx.clock()
      const items = (await silences.list()).map((s) => view(s, now, silences))
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
      if (b.ends_at === undefined && !b.recurrence)
        throw new AedgwError('AEDGW_ERR_VALIDATION', 'ends_at: required unless the silence has a recurrence')
      const s = await silences.create({
        matchers: b.matchers,
        starts_ms: b.starts_at ?? ctx.clock(),
        ends_ms: b.ends_at ?? OPEN_ENDED,
        ...(b.recurrence ? { recurrence: b.recurrence } : {}),
        created_by: b.created_by,
        comment: b.comment,
      })
      return reply.status(201).send(view(s, ctx.clock(), silences))
    },
  )

  app.delete(
    '/api/v1/silences/:id',
    { preHandler: maintainer, schema: { tags, summary: 'Expire a silence now' } },
    async (req) => {
      const { id } = parseOr400(z.object({ id: z.string().min(1).max(64) }), req.params)
      return view(await silences.expire(id), ctx.clock(), silences)
    },
  )
}
