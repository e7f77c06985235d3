import type { FastifyReply, FastifyRequest } from 'fastify'
import { AedgwError } from '../lib/errors.ts'
import type { Role, TokenIdentity } from './roles.ts'
import { roleAtLeast } from './roles.ts'

declare module 'fastify' {
  interface FastifyRequest {
    role?: Role
    /** Name of the API token the request came with: who acted, in audit trails. */
    tokenName?: string
  }
}

/**
 * Who a bearer token is: `ApiTokens` (SQLite, embedded mode) answers at once, `PgApiTokens`
 * (PostgreSQL, worker mode) after a query; null for an unknown or expired token.
 */
export interface TokenLookup {
  identify(token: string): TokenIdentity | null | Promise<TokenIdentity | null>
}

/** A preHandler that admits `Authorization: Bearer <token>` holders of at least `need`. */
export function requireRole(tokens: TokenLookup, need: Role) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
    if (!match) throw new AedgwError('AEDGW_ERR_UNAUTHENTICATED', 'send Authorization: Bearer <token>')
    const identity = await tokens.identify(match[1] as string)
    if (!identity) throw new AedgwError('AEDGW_ERR_UNAUTHENTICATED', 'unknown token')
    if (!roleAtLeast(identity.role, need))
      throw new AedgwError('AEDGW_ERR_FORBIDDEN', `this needs the ${need} role`)
    req.role = identity.role
    req.tokenName = identity.name
  }
}
