import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { installErrorHandling, parseOr400 } from '../../../gateway/api/errors.ts'
import { AedgwError, ERRORS, type ErrorCode, isErrorCode } from '../../../gateway/lib/errors.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'

describe('the API error handler', () => {
  let app: FastifyInstance
  let logged = ''
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logged += chunk.toString()
      cb()
    },
  })

  beforeAll(async () => {
    app = Fastify({ bodyLimit: 1024 })
    installErrorHandling(app, createLogger('info', sink))
    app.get<{ Params: { code: string } }>('/throw/:code', async (req) => {
      const code = req.params.code
      if (!isErrorCode(code)) throw new Error(`not a code: ${code}`)
      throw new AedgwError(code, `thrown as ${code}`)
    })
    app.get('/crash', async () => {
      throw new Error('ENOENT: /var/lib/aedgw/secret-file')
    })
    app.get('/made-up', async () => {
      throw Object.assign(new Error('made up'), { code: 'AEDGW_ERR_MADE_UP', statusCode: 409 })
    })
    app.get('/parse', async (req) => parseOr400(z.strictObject({ a: z.number(), b: z.string() }), req.query))
    app.post('/echo', async (req) => req.body)
    await app.ready()
  })
  afterAll(async () => {
    await app.close()
  })

  it('answers every catalogue code with its status, code and message, 5xx included', async () => {
    for (const [code, spec] of Object.entries(ERRORS) as Array<[ErrorCode, (typeof ERRORS)[ErrorCode]]>) {
      const r = await app.inject({ method: 'GET', url: `/throw/${code}` })
      expect(r.statusCode, code).toBe(spec.status)
      if ('internal' in spec) {
        expect(r.json(), code).toEqual({
          error: 'AEDGW_ERR_INTERNAL',
          message: ERRORS.AEDGW_ERR_INTERNAL.message,
        })
      } else {
        expect(r.json(), code).toEqual({ error: code, message: `thrown as ${code}` })
      }
    }
  })

  it('answers 503 AEDGW_ERR_INFLUX_UNAVAILABLE as itself, not as an internal error', async () => {
    const r = await app.inject({ method: 'GET', url: '/throw/AEDGW_ERR_INFLUX_UNAVAILABLE' })
    expect(r.statusCode).toBe(503)
    expect(r.json().error).toBe('AEDGW_ERR_INFLUX_UNAVAILABLE')
  })

  it('answers an unknown error 500 AEDGW_ERR_INTERNAL, leaking nothing, and logs it', async () => {
    const r = await app.inject({ method: 'GET', url: '/crash' })
    expect(r.statusCode).toBe(500)
    expect(r.json()).toEqual({ error: 'AEDGW_ERR_INTERNAL', message: 'internal error; see the gateway log' })
    expect(r.body).not.toContain('secret-file')
    expect(logged).toContain('ENOENT: /var/lib/aedgw/secret-file')
  })

  it('treats a code outside the catalogue as unknown, whatever status it carries', async () => {
    const r = await app.inject({ method: 'GET', url: '/made-up' })
    expect(r.statusCode).toBe(500)
    expect(r.json().error).toBe('AEDGW_ERR_INTERNAL')
  })

  it('turns a zod failure into one AEDGW_ERR_VALIDATION naming every bad field', async () => {
    const r = await app.inject({ method: 'GET', url: '/parse?a=x&c=1' })
    expect(r.statusCode).toBe(400)
    expect(r.json().error).toBe('AEDGW_ERR_VALIDATION')
    for (const field of ['a:', 'b:', '(c)']) expect(r.json().message).toContain(field)
  })

  it('keeps the status of fastify’s own client errors as AEDGW_ERR_BAD_REQUEST', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    })
    expect([bad.statusCode, bad.json().error]).toEqual([400, 'AEDGW_ERR_BAD_REQUEST'])
    const big = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ a: 'x'.repeat(2000) }),
    })
    expect([big.statusCode, big.json().error]).toEqual([413, 'AEDGW_ERR_BAD_REQUEST'])
    const type = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    })
    expect([type.statusCode, type.json().error]).toEqual([415, 'AEDGW_ERR_BAD_REQUEST'])
  })

  it('answers a route that does not exist 404 AEDGW_ERR_NOT_FOUND', async () => {
    const r = await app.inject({ method: 'GET', url: '/nowhere?x=1' })
    expect(r.statusCode).toBe(404)
    expect(r.json()).toEqual({ error: 'AEDGW_ERR_NOT_FOUND', message: 'no route GET /nowhere' })
  })
})
