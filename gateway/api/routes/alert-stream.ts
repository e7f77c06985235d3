import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Alert, AlertEvents, Transition } from '../../alerts/types.ts'
import { requireRole } from '../auth.ts'
import type { ApiContext } from '../context.ts'
import { alertView } from './alerts.ts'

/** Comment lines keep proxies and NAT from closing a quiet stream. */
const KEEPALIVE_MS = 15_000
/** A client this far behind is dropped rather than buffered without end; it reconnects and reloads. */
const MAX_BUFFERED_BYTES = 1 << 20

/**
 * GET /api/v1/alerts/stream: every alert transition as a server-sent event
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html), `event: alert` with the
 * alert as the API shows it plus the transition. The bearer token goes in the Authorization
 * header, so browsers read it with fetch() rather than EventSource (which cannot send headers).
 * A client that reconnects reloads the list first: the stream carries changes, not history.
 */
export function alertStreamRoutes(app: FastifyInstance, ctx: ApiContext, events: AlertEvents): void {
  const viewer = requireRole(ctx.tokens, 'viewer')
  const streams = new Set<ServerResponse>()

  const onTransition = (a: Alert, t: Transition) => {
    const data = JSON.stringify({
      ...alertView(a),
      transition: { kind: t.kind, at: new Date(t.at_ms).toISOString(), by: t.by, comment: t.comment },
    })
    const frame = `event: alert\nid: ${t.at_ms}\ndata: ${data}\n\n`
    for (const res of streams) {
      if (res.destroyed || res.writableEnded) streams.delete(res)
      else if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy()
      else res.write(frame)
    }
  }
  events.on('transition', onTransition)
  // before the server closes: open streams would otherwise hold close() forever
  app.addHook('preClose', async () => {
    events.off('transition', onTransition)
    for (const res of streams) res.end()
    streams.clear()
  })

  app.get(
    '/api/v1/alerts/stream',
    {
      preHandler: viewer,
      schema: { tags: ['alerts'], summary: 'Server-sent events: every alert transition as it happens' },
    },
    (req, reply) => {
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // the socket closes with the stream: a kept-alive idle socket would hold the server's close()
        connection: 'close',
        'x-content-type-options': 'nosniff',
        // nginx and similar: pass events through as they come
        'x-accel-buffering': 'no',
      })
      res.write('retry: 2000\n: connected\n\n')
      streams.add(res)
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS)
      keepalive.unref()
      const done = () => {
        clearInterval(keepalive)
        streams.delete(res)
      }
      req.raw.on('close', done)
      res.on('close', done)
      // a client gone mid-write: drop it, never let the error escape
      res.on('error', done)
    },
  )
}
