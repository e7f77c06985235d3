import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { AedgwError } from '../../lib/errors.ts'
import { requireRole, type TokenLookup } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'
import type { StoredToken } from '../ports.ts'
import { ROLES, type Role } from '../tokens.ts'

type MaybeAsync<T> = T | Promise<T>

/** Token management: `ApiTokens` (SQLite) answers at once, `PgApiTokens` (worker mode) after its query. */
export interface TokenAdmin extends TokenLookup {
  create(name: string, role: Role, expiresMs: number | null): MaybeAsync<string>
  list(): MaybeAsync<StoredToken[]>
  revoke(id: string): MaybeAsync<StoredToken | null>
}

export function adminRoutes(app: FastifyInstance, ctx: ApiContext): void {
  tokenRoutes(app, ctx)
  quarantineRoutes(app, ctx)
}

/** Create, list and revoke API tokens (admin). */
export function tokenRoutes(app: FastifyInstance, ctx: { tokens: TokenAdmin; clock: () => number }): void {
  const admin = requireRole(ctx.tokens, 'admin')

  app.post(
    '/api/v1/tokens',
    { preHandler: admin, schema: { tags: ['admin'], summary: 'Create an API token (shown once)' } },
    async (req, reply) => {
      const body = parseOr400(
        z.strictObject({
          name: z.string().min(1).max(100),
          role: z.enum(ROLES),
          expires_at: z.iso
            .datetime({ offset: true })
            .transform((t) => Date.parse(t))
            .refine((t) => t > ctx.clock(), 'must be in the future')
            .optional(),
        }),
        req.body,
      )
      const expires = body.expires_at ?? null
      const token = await ctx.tokens.create(body.name, body.role, expires)
      req.log.info(
        { audit: 'token_created', name: body.name, role: body.role, by: req.tokenName },
        'token created',
      )
      return reply.status(201).send({
        name: body.name,
        role: body.role,
        expires_at: expires === null ? null : new Date(expires).toISOString(),
        token,
      })
    },
  )

  app.get(
    '/api/v1/tokens',
    { preHandler: admin, schema: { tags: ['admin'], summary: 'API tokens (ids, never the tokens)' } },
    async () => {
      const now = ctx.clock()
      const items = (await ctx.tokens.list()).map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        created_at: t.created_at,
        expires_at: t.expires_at,
        expired: t.expires_at !== null && Date.parse(t.expires_at) <= now,
        bootstrap: t.bootstrap === 1,
      }))
      return { items, count: items.length }
    },
  )

  app.delete(
    '/api/v1/tokens/:id',
    { preHandler: admin, schema: { tags: ['admin'], summary: 'Revoke an API token (audited)' } },
    async (req) => {
      const { id } = parseOr400(z.object({ id: z.string().regex(/^[0-9a-f]{16}$/) }), req.params)
      const removed = await ctx.tokens.revoke(id)
      if (!removed) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no token ${id}`)
      req.log.warn(
        { audit: 'token_revoked', token_id: id, name: removed.name, role: removed.role, by: req.tokenName },
        'token revoked',
      )
      return { id, name: removed.name, role: removed.role, revoked: true }
    },
  )
}

/** Rejected payloads and refused lines (admin). */
function quarantineRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const admin = requireRole(ctx.tokens, 'admin')
  app.get(
    '/api/v1/quarantine',
    {
      preHandler: admin,
      schema: { tags: ['admin'], summary: 'Rejected payloads, newest first, with their reason' },
    },
    async (req) => {
      const q = parseOr400(
        z.object({
          before_id: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        req.query,
      )
      const rows = await ctx.outbox.listQuarantine(q.before_id ?? null, q.limit)
      return {
        items: rows.map((r) => ({
          id: r.id,
          received_at: new Date(r.recv_ms).toISOString(),
          cabinet: r.cabinet,
          topic: r.topic,
          stage: r.stage,
          reason: r.reason,
          raw_base64: Buffer.from(r.raw).toString('base64'),
        })),
      }
    },
  )
}
