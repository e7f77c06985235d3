import type { FastifyReply, FastifyRequest } from 'fastify'
import { AedgwError } from '../lib/errors.ts'
import type { ApiTokens } from './tokens.ts'
import { type Role, roleAtLeast } from './tokens.ts'

declare module 'fastify' {
  interface FastifyRequest {
    role?: Role
    /** Name of the API token the request came with: who acted, in audit trails. */
    tokenName?: string
  }
}

/** A preHandler that admits `Authorization: Bearer <token>` holders of at least `need`. */
export function requireRole(tokens: ApiTokens, need: Role) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null
    if (!match) throw new AedgwError('AEDGW_ERR_UNAUTHENTICATED', 'send Authorization: Bearer <token>')
    const identity = tokens.identify(match[1] as string)
    if (!identity) throw new AedgwError('AEDGW_ERR_UNAUTHENTICATED', 'unknown token')
    if (!roleAtLeast(identity.role, need))
      throw new AedgwError('AEDGW_ERR_FORBIDDEN', `this needs the ${need} role`)
    req.role = identity.role
    req.tokenName = identity.name
  }
}
