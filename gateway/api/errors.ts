import type { FastifyError, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { z } from 'zod'
import { AedgwError, ERRORS, isErrorCode } from '../lib/errors.ts'

/** Parses with zod, turning failures into one AEDGW_ERR_VALIDATION naming every bad field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  const message = r.error.issues
    .map((i) => {
      const keys = 'keys' in i && Array.isArray(i.keys) ? ` (${i.keys.join(', ')})` : ''
      return `${i.path.join('.') || '(body)'}: ${i.message}${keys}`
    })
    .join('; ')
  throw new AedgwError('AEDGW_ERR_VALIDATION', message)
}

interface Answer {
  status: number
  error: string
  message: string
}

/**
 * A catalogue code answers with its status, code and message, 5xx included (a client can act on
 * 503 AEDGW_ERR_INFLUX_UNAVAILABLE) unless it is marked internal; fastify's own client errors
 * (4xx) keep their status as AEDGW_ERR_BAD_REQUEST; anything else is 500 AEDGW_ERR_INTERNAL with
 * nothing of it leaked (the log has it).
 */
function answerFor(err: FastifyError): Answer {
  const code: unknown = err.code
  if (isErrorCode(code) && !('internal' in ERRORS[code])) {
    return { status: ERRORS[code].status, error: code, message: err.message }
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, error: 'AEDGW_ERR_BAD_REQUEST', message: err.message }
  }
  // fastify's own (FST_ERR_*, or a body stream error it gave a status): a code outside the
  // catalogue that looks like ours is a bug, not a client error
  const ours = typeof code === 'string' && code.startsWith('AEDGW_ERR_')
  if (!ours && err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, error: 'AEDGW_ERR_BAD_REQUEST', message: err.message }
  }
  return { status: 500, error: 'AEDGW_ERR_INTERNAL', message: ERRORS.AEDGW_ERR_INTERNAL.message }
}

/** Every error leaves as JSON {error, message} with its status; never a stack trace. */
export function installErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const a = answerFor(err)
    if (a.status >= 500) log.error({ err, url: req.url, answered: a.error }, 'request failed')
    return reply.status(a.status).send({ error: a.error, message: a.message })
  })
  app.setNotFoundHandler((req, reply) => {
    reply
      .status(404)
      .send({ error: 'AEDGW_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` })
  })
}
