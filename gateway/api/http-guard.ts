import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AedgwError } from '../lib/errors.ts'
import type { ApiContext } from './context.ts'

const BEARER = /^Bearer\s+(\S+)$/i

/** True when the request carries a token the gateway knows (any role, not expired). */
export function authenticated(ctx: ApiContext, req: FastifyRequest): boolean {
  const header = req.headers.authorization
  const match = typeof header === 'string' ? BEARER.exec(header) : null
  return match !== null && ctx.tokens.identify(match[1] as string) !== null
}

const LINK = /^Link\s+(\S+)$/i

/**
 * True when the request may send a body under /api/: a known token, or a signed alert link made
 * by this gateway (an expired or used one too: its route answers why, 410).
 */
function mayPost(ctx: ApiContext, req: FastifyRequest, known: boolean): boolean {
  if (known) return true
  const header = req.headers.authorization
  const match = typeof header === 'string' ? LINK.exec(header) : null
  if (match === null || !ctx.links) return false
  const check = ctx.links.verify(match[1] as string)
  return check.ok || check.reason === 'expired' || check.reason === 'used'
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}

/**
 * What a slow or anonymous client may hold of the HTTP listener (MQTT and HTTP share the
 * process's open files):
 * - a request body must arrive within `http.request_timeout_ms` of its headers, or the socket is
 *   closed (node's own requestTimeout is only checked every 30 s);
 * - a request with a body under /api/ must carry a known token (or a signed alert link) before
 *   the body is read: an unknown one is answered 401 and the connection closed, unread;
 * - at most `http.max_unauthenticated_connections` sockets may be open that have not yet shown a
 *   known token; past it a new socket is closed at once.
 */
export function installHttpGuards(app: FastifyInstance, ctx: ApiContext): void {
  const http = ctx.config.http
  const anonymous = new Set<Socket>()
  const trusted = new WeakSet<Socket>()
  app.server.on('connection', (socket: Socket) => {
    if (anonymous.size >= http.max_unauthenticated_connections) {
      ctx.metrics.rejected.inc({ reason: 'http_connection_cap' })
      socket.destroy()
      return
    }
    anonymous.add(socket)
    socket.once('close', () => anonymous.delete(socket))
  })

  app.addHook('onRequest', async (req, reply) => {
    const socket = req.raw.socket
    const known = authenticated(ctx, req)
    if (known && !trusted.has(socket)) {
      trusted.add(socket)
      anonymous.delete(socket)
    }
    if (!hasBody(req)) return
    if (req.url.startsWith('/api/') && !mayPost(ctx, req, known)) {
      reply.header('connection', 'close')
      throw new AedgwError(
        'AEDGW_ERR_UNAUTHENTICATED',
        'send Authorization: Bearer <token> with a known token',
      )
    }
    const timer = setTimeout(() => {
      ctx.metrics.rejected.inc({ reason: 'http_body_timeout' })
      req.log.warn({ url: req.url }, 'request body not received in time: connection closed')
      socket.destroy()
    }, http.request_timeout_ms)
    timer.unref()
    const done = () => clearTimeout(timer)
    req.raw.once('end', done)
    req.raw.once('close', done)
    reply.raw.once('finish', done)
  })
}
