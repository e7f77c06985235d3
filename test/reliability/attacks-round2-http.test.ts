import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileAll } from '../../gateway/alerts/matchers.ts'
import { loadConfig } from '../../gateway/config/load.ts'
import { Gateway } from '../../gateway/gateway.ts'
import { createLogger } from '../../gateway/lib/logger.ts'
import { connectCabinet, registrationFor, startTestGateway } from '../helpers/gateway.ts'
import { type Arena, attack, startArena } from './arena.ts'
import { record, render } from './report.ts'

const SECTION = 'attacks, round two (HTTP)'
const BODY_TIMEOUT_MS = 300
const ANONYMOUS_CAP = 20

/** Sends headers, then one body byte every `everyMs` until the server closes the socket. */
function trickle(port: number, head: string, bodyBytes: number, everyMs: number) {
  return new Promise<{ sent: number; answer: string }>((resolve) => {
    const socket: Socket = connect({ port, host: '127.0.0.1' })
    let sent = 0
    let answer = ''
    let timer: NodeJS.Timeout | null = null
    socket.on('data', (d) => {
      answer += d.toString('latin1')
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      if (timer) clearInterval(timer)
      resolve({ sent, answer })
    })
    socket.write(`${head}Content-Length: ${bodyBytes}\r\nContent-Type: application/json\r\n\r\n`)
    timer = setInterval(() => {
      if (sent >= bodyBytes - 1 || socket.destroyed) return
      socket.write('{')
      sent++
    }, everyMs)
  })
}

describe('attacks over HTTP, round two', () => {
  let arena: Arena
  const a = () => arena
  const port = () => arena.gw.gateway.addresses().http

  beforeAll(async () => {
    arena = await startArena('GOOD-R2H-01', {
      http: { request_timeout_ms: BODY_TIMEOUT_MS, max_unauthenticated_connections: ANONYMOUS_CAP },
    })
    await arena.stillServing()
  })
  afterAll(async () => {
    try {
      await arena.verifyStored()
    } finally {
      await arena.stop()
      render()
    }
  })

  // 1. matchers
  attack(a, SECTION, 'a silence regex RE2 cannot run in linear time (lookahead, backreference)', async () => {
    for (const value of ['(?=x).*', '(a)\\1']) {
      const r = await arena.gw.api('POST', '/api/v1/silences', {
        matchers: [`cabinet=~${value}`],
        ends_at: new Date(Date.now() + 3_600_000).toISOString(),
        created_by: 'attacker',
        comment: 'freeze',
      })
      expect(r.status).toBe(400)
      expect(r.json.message).toMatch(/regular expression/)
    }
  })
  attack(a, SECTION, 'a silence regex over 256 characters', async () => {
    const r = await arena.gw.api('POST', '/api/v1/silences', {
      matchers: [{ name: 'cabinet', value: 'a|'.repeat(200), is_regex: true }],
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      created_by: 'attacker',
      comment: 'long',
    })
    expect(r.status).toBe(400)
    expect(r.json.message).toMatch(/longer than 256/)
  })
  it('matches a catastrophic pattern against a long label without backtracking', () => {
    // `(.*){25}x` on a 10-character value takes V8's RegExp about 40 s; RE2 is linear
    const match = compileAll(['cabinet=~(.*){25}x', 'severity!~(.*){25}y'])
    expect(match({ cabinet: 'a'.repeat(4000), severity: 'major' })).toBe(false)
    expect(match({ cabinet: `${'a'.repeat(4000)}x`, severity: 'major' })).toBe(true)
  })
  it('refuses a route matcher RE2 cannot run, at config load', () => {
    expect(() =>
      loadConfig({}, { alerts: { route: { routes: [{ matchers: ['cabinet=~(?!GOOD).*'] }] } } }),
    ).toThrow(/regular expression/)
  })

  // 3. revocation
  attack(a, SECTION, 'a PUT that would un-retire a retired cabinet', async () => {
    const id = 'RETIRED-R2-01'
    const secret = await arena.gw.register(id)
    expect((await arena.gw.api('DELETE', `/api/v1/cabinets/${id}`)).status).toBe(200)
    const put = await arena.gw.api('PUT', `/api/v1/cabinets/${id}`, registrationFor(id, { name: 'renamed' }))
    expect(put.status).toBe(200)
    expect(put.json.retired).toBe(true)
    await expect(connectCabinet(arena.gw.mqttUrl, id, secret)).rejects.toThrow()
    // the explicit way back
    const back = await arena.gw.api('POST', `/api/v1/cabinets/${id}/reinstate`)
    expect(back.status).toBe(200)
    expect(back.json.retired).toBe(false)
    const c = await connectCabinet(arena.gw.mqttUrl, id, secret)
    await c.endAsync(true)
  })

  // 4. tokens
  attack(a, SECTION, 'a leaked token, listed and revoked', async () => {
    const made = await arena.gw.api('POST', '/api/v1/tokens', { name: 'leaked', role: 'maintainer' })
    const leaked = made.json.token as string
    expect((await arena.gw.api('GET', '/api/v1/silences', undefined, leaked)).status).toBe(200)
    const list = await arena.gw.api('GET', '/api/v1/tokens')
    expect(list.status).toBe(200)
    expect(JSON.stringify(list.json)).not.toContain(leaked)
    const entry = list.json.items.find((t: { name: string }) => t.name === 'leaked')
    expect(entry).toMatchObject({ role: 'maintainer', bootstrap: false, expires_at: null })
    expect((await arena.gw.api('DELETE', `/api/v1/tokens/${entry.id}`, undefined, leaked)).status).toBe(403)
    expect((await arena.gw.api('DELETE', `/api/v1/tokens/${entry.id}`)).status).toBe(200)
    expect((await arena.gw.api('GET', '/api/v1/silences', undefined, leaked)).status).toBe(401)
  })
  attack(a, SECTION, 'a token minted already expired', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString()
    const brief = await arena.gw.api('POST', '/api/v1/tokens', {
      name: 'brief',
      role: 'viewer',
      expires_at: soon,
    })
    expect(brief.status).toBe(201)
    expect(brief.json.expires_at).toBe(soon)
    const past = await arena.gw.api('POST', '/api/v1/tokens', {
      name: 'stale',
      role: 'viewer',
      expires_at: new Date(Date.now() - 1000).toISOString(),
    })
    expect(past.status).toBe(400)
  })

  // 5. slow bodies
  attack(a, SECTION, 'a request body trickled one byte at a time (authenticated)', async () => {
    const head = `POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-admin-token-0123456789\r\n`
    const r = await trickle(port(), head, 1000, 50)
    // closed by the body timeout long before the 1,000 bytes could arrive
    expect(r.sent).toBeLessThan(999)
  })
  attack(a, SECTION, 'an unauthenticated POST whose body trickles', async () => {
    const r = await trickle(port(), 'POST /api/v1/cabinets HTTP/1.1\r\nHost: x\r\n', 1000, 50)
    expect(r.answer).toMatch(/^HTTP\/1\.1 401/)
    expect(r.sent).toBeLessThan(999)
  })
  attack(a, SECTION, `more than ${ANONYMOUS_CAP} idle unauthenticated connections`, async () => {
    const sockets: Socket[] = []
    let refused = 0
    try {
      for (let i = 0; i < ANONYMOUS_CAP * 2 && refused === 0; i++) {
        const s = connect({ port: port(), host: '127.0.0.1' })
        s.on('error', () => undefined)
        sockets.push(s)
        await new Promise<void>((resolve) => s.once('connect', () => resolve()))
        // a refused socket is closed by the server before anything is sent
        const closed = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), 50)
          s.once('close', () => {
            clearTimeout(t)
            resolve(true)
          })
        })
        if (closed) refused++
      }
      expect(refused).toBe(1)
    } finally {
      for (const s of sockets) s.destroy()
    }
    // token holders are not held back by anonymous sockets: the API still answers
    expect((await arena.gw.api('GET', '/api/v1/cabinets')).status).toBe(200)
  })

  // 9. protocol and HTTP edges
  attack(a, SECTION, 'an export of month 0000-01', async () => {
    const r = await arena.gw.api('POST', '/api/v1/exports/bkkhdc/0000-01')
    expect(r.status).toBe(400)
  })
  attack(a, SECTION, 'framing and content sniffing (security headers on every answer)', async () => {
    for (const path of ['/healthz', '/api/v1/cabinets', '/no-such-route']) {
      const r = await fetch(`${arena.gw.httpUrl}${path}`)
      await r.arrayBuffer()
      expect(r.headers.get('x-content-type-options')).toBe('nosniff')
      expect(r.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'/)
      expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    }
  })
  attack(a, SECTION, 'a QoS 1 PUBLISH to a revoked session (secret rotated)', async () => {
    const id = 'ROTATED-R2-01'
    const secret = await arena.gw.register(id)
    const c = await connectCabinet(arena.gw.mqttUrl, id, secret)
    const closed = new Promise<void>((r) => c.once('close', () => r()))
    expect((await arena.gw.api('POST', `/api/v1/cabinets/${id}/secret`)).status).toBe(200)
    // the open session ends at once, before it can publish again
    await closed
    c.end(true)
    await expect(connectCabinet(arena.gw.mqttUrl, id, secret)).rejects.toThrow()
  })
})

describe('the bootstrap admin token, round two', () => {
  it('replaces the previous bootstrap token when AEDGW_ADMIN_TOKEN changes', async () => {
    const gw = await startTestGateway()
    await gw.gateway.stop()
    const next = loadConfig(
      {},
      { ...structuredClone(gw.config), api: { admin_token: 'the-new-admin-token-0123' } },
    )
    const restarted = new Gateway({ config: next, log: createLogger('silent') })
    await restarted.start()
    let denied = false
    try {
      const url = `http://127.0.0.1:${restarted.addresses().http}/api/v1/tokens`
      const as = (token: string) => fetch(url, { headers: { authorization: `Bearer ${token}` } })
      expect((await as('the-new-admin-token-0123')).status).toBe(200)
      expect((await as('test-admin-token-0123456789')).status).toBe(401)
      const list = (await (await as('the-new-admin-token-0123')).json()) as {
        items: { bootstrap: boolean }[]
      }
      expect(list.items.filter((t) => t.bootstrap)).toHaveLength(1)
      denied = true
    } finally {
      record(SECTION, 'the previous bootstrap admin token after a restart', {
        attacks_tried: 1,
        attacks_denied: denied ? 1 : 0,
      })
      await restarted.stop()
      await gw.stop().catch(() => undefined)
    }
  })

  it('shows an anonymous /readyz its status only, never InfluxDB’s error text; tokens expire', async () => {
    let offsetMs = 0
    const gw = await startTestGateway(
      { influx: { url: 'http://127.0.0.1:9', retry_base_ms: 10, retry_max_ms: 50 } },
      () => Date.now() + offsetMs,
    )
    try {
      const brief = await gw.api('POST', '/api/v1/tokens', {
        name: 'brief',
        role: 'viewer',
        expires_at: new Date(Date.now() + 60_000).toISOString(),
      })
      expect((await gw.api('GET', '/api/v1/cabinets', undefined, brief.json.token)).status).toBe(200)
      offsetMs = 61_000
      expect((await gw.api('GET', '/api/v1/cabinets', undefined, brief.json.token)).status).toBe(401)
      offsetMs = 0
      // let the writer fail at least once, so there is an error text to hide
      for (let i = 0; i < 100; i++) {
        const r = await gw.api('GET', '/readyz')
        if (r.json.checks.influxdb.detail && r.json.checks.influxdb.detail !== 'not reached yet') break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      const known = await gw.api('GET', '/readyz')
      expect(known.json.checks.influxdb.ok).toBe(false)
      expect(known.json.checks.influxdb.detail).toEqual(expect.any(String))
      // anonymous: the status alone (docs/privacy.md), no check and no error text
      const anonymous = await gw.api('GET', '/readyz', undefined, null)
      expect(Object.keys(anonymous.json)).toEqual(['status'])
      expect(JSON.stringify(anonymous.json)).not.toMatch(/127\.0\.0\.1|:9\b|ECONNREFUSED/)
      record(SECTION, 'reading InfluxDB’s address from an anonymous /readyz', {
        attacks_tried: 1,
        attacks_denied: 1,
      })
    } finally {
      await gw.stop()
    }
  })
})
