import type { FastifyError, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { z } from 'zod'

const STATUS: Record<string, number> = {
  AEDGW_ERR_VALIDATION: 400,
  AEDGW_ERR_UNAUTHENTICATED: 401,
  AEDGW_ERR_FORBIDDEN: 403,
  AEDGW_ERR_NOT_FOUND: 404,
  AEDGW_ERR_CABINET_NOT_FOUND: 404,
  AEDGW_ERR_CABINET_EXISTS: 409,
}

/** Parses with zod, turning failures into one 400 naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const message = r.error.issues
    .map((i) => {
      const keys = 'keys' in i && Array.isArray(i.keys) ? ` (${i.keys.join(', ')})` : ''
      return `${i.path.join('.') || '(body)'}: ${i.message}${keys}`
    })
    .join('; ')
  throw Object.assign(new Error(message), { code: 'AEDGW_ERR_VALIDATION' })
}

/** Every error leaves as JSON {error, message} with its status; never a stack trace. */
export function installErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError & { code?: string }, req, reply) => {
    const code = typeof err.code === 'string' ? err.code : ''
    let status = STATUS[code] ?? (err.statusCode && err.statusCode < 500 ? err.statusCode : 500)
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') status = 413
    if (status >= 500) {
      log.error({ err, url: req.url }, 'request failed')
      return reply
        .status(status)
        .send({ error: 'AEDGW_ERR_INTERNAL', message: 'internal error; see the gateway log' })
    }
    const error = code.startsWith('AEDGW_ERR_')
      ? code
      : code.startsWith('FST_')
        ? 'AEDGW_ERR_BAD_REQUEST'
        : 'AEDGW_ERR_BAD_REQUEST'
    return reply.status(status).send({ error, message: err.message })
  })
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ error: 'AEDGW_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` })
  })
}
