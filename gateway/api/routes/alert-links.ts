import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { AlertService } from '../../alerts/alert-service.ts'
import type { LinkClaims, SignedLinks } from '../../alerts/signed-links.ts'
import { AedgwError } from '../../lib/errors.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { parseOr400 } from '../errors.ts'
import { alertView } from './alerts.ts'

const ackBody = z
  .strictObject({
    comment: z.string().trim().min(1).max(1000).optional(),
    by: z.string().trim().min(1).max(120).optional(),
  })
  .default({})
const idParams = z.object({ id: z.string().regex(/^al_[a-z0-9]{4,40}$/, 'not an alert id') })
const linkBody = z.strictObject({ role: z.enum(['viewer', 'maintainer']).default('maintainer') }).default({
  role: 'maintainer',
})

const REFUSED = {
  malformed: 'AEDGW_ERR_LINK_MALFORMED',
  bad_signature: 'AEDGW_ERR_LINK_BAD_SIGNATURE',
  expired: 'AEDGW_ERR_LINK_EXPIRED',
  used: 'AEDGW_ERR_LINK_USED',
} as const

/**
 * Signed links, sent as `Authorization: Link <token>` (a header, like bearer tokens: never a
 * cookie, so no other site can make a browser use one). GET /api/v1/link shows the alert; POST
 * /api/v1/link/ack acknowledges it, once, recorded as "{by} via signed link".
 */
export function alertLinkRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  alerts: AlertService,
  links: SignedLinks,
): void {
  const tags = ['alerts']
  const claimsOf = (req: FastifyRequest, reply: FastifyReply): LinkClaims => {
    // the answer depends on the Authorization header; a 410 would otherwise be cached by URL
    reply.header('cache-control', 'no-store')
    const m = /^Link\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))
    if (!m) throw new AedgwError('AEDGW_ERR_UNAUTHENTICATED', 'send Authorization: Link <token>')
    const check = links.verify(m[1] as string)
    if (check.ok) return check.claims
    throw new AedgwError(REFUSED[check.reason])
  }
  const alertWithHistory = (id: string) => {
    const found = alerts.get(id)
    if (!found) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
    const transitions = found.transitions.map((t) => ({
      at: new Date(t.at_ms).toISOString(),
      kind: t.kind,
      from: t.from_state,
      to: t.to_state,
      severity: t.severity,
      by: t.by,
      comment: t.comment,
    }))
    return { ...alertView(found.alert), transitions }
  }

  app.get(
    '/api/v1/link',
    { schema: { tags, summary: 'The alert a signed link opens (Authorization: Link <token>)' } },
    async (req, reply) => {
      const claims = claimsOf(req, reply)
      return {
        link: { role: claims.role, expires_at: new Date(claims.expiresMs).toISOString() },
        alert: alertWithHistory(claims.alertId),
      }
    },
  )

  app.post(
    '/api/v1/link/ack',
    { schema: { tags, summary: 'Acknowledge through a signed link: works once, until the link expires' } },
    async (req, reply) => {
      const claims = claimsOf(req, reply)
      if (claims.role !== 'maintainer')
        throw new AedgwError('AEDGW_ERR_FORBIDDEN', 'this link may only show the alert')
      const b = parseOr400(ackBody, req.body ?? {})
      const by = b.by ? `${b.by} via signed link` : 'signed link'
      const done = links.consume(claims, () => alerts.acknowledge(claims.alertId, by, b.comment ?? null))
      if (!done.ok) throw new AedgwError('AEDGW_ERR_LINK_USED')
      return alertView(done.value)
    },
  )

  // a maintainer hands an alert to someone without a token (a guard, a caretaker)
  app.post(
    '/api/v1/alerts/:id/link',
    {
      preHandler: requireRole(ctx.tokens, 'maintainer'),
      schema: { tags, summary: 'Make a signed link to this alert (role viewer or maintainer)' },
    },
    async (req) => {
      const { id } = parseOr400(idParams, req.params)
      const { role } = parseOr400(linkBody, req.body ?? {})
      if (!alerts.get(id)) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
      const expires = ctx.clock() + links.ttlMs
      return { token: links.sign(id, role, expires), role, expires_at: new Date(expires).toISOString() }
    },
  )
}
