import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../gateway/config/load.ts'
import { InfluxApi } from '../../gateway/store/influx.ts'

/**
 * InfluxDB 2.x and 3 cannot run here, so a local HTTP server stands in for them and checks each
 * request exactly as their documentation describes the write endpoints:
 * v2 POST /api/v2/write?org=&bucket=&precision= with `Authorization: Token …`;
 * v3 the v2-compatible POST /api/v2/write?bucket=&precision= (database as bucket), `Token`;
 * v1 POST /write?db=&precision= with Basic auth.
 */
let server: Server | null = null
afterEach(() => {
  server?.close()
  server = null
})

function receiver(): Promise<{ url: string; requests: Array<{ req: IncomingMessage; body: string }> }> {
  const requests: Array<{ req: IncomingMessage; body: string }> = []
  return new Promise((resolve) => {
    const srv = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => {
        body += d.toString()
      })
      req.on('end', () => {
        requests.push({ req, body })
        res.statusCode = 204
        res.end()
      })
    })
    server = srv
    srv.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, requests }),
    )
  })
}

function influxConfig(url: string, influx: Record<string, unknown>) {
  return loadConfig({}, { influx: { url, ...influx } }).influx
}

describe('InfluxDB write endpoints by version', () => {
  const lines = [
    'heartbeat,cabinet=A,district=1001 battery_pct=87 1795000000000',
    'status,cabinet=A,district=1001 online=T 1795000000001',
  ]

  it('version 1: /write with db and ms precision, Basic auth', async () => {
    const r = await receiver()
    await new InfluxApi(influxConfig(r.url, { version: 1, db: 'aed', user: 'gw', password: 'p@ss' })).write(
      lines,
    )
    const { req, body } = r.requests[0] as { req: IncomingMessage; body: string }
    expect(req.method).toBe('POST')
    expect(req.url).toBe('/write?db=aed&precision=ms')
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('gw:p@ss').toString('base64')}`)
    expect(body).toBe(lines.join('\n'))
  })

  it('version 2: /api/v2/write with org, bucket and a token', async () => {
    const r = await receiver()
    await new InfluxApi(
      influxConfig(r.url, { version: 2, db: 'aed-bucket', org: 'bkk city', token: 'tok123' }),
    ).write(lines)
    const { req, body } = r.requests[0] as { req: IncomingMessage; body: string }
    expect(req.url).toBe('/api/v2/write?org=bkk%20city&bucket=aed-bucket&precision=ms')
    expect(req.headers.authorization).toBe('Token tok123')
    expect(body).toBe(lines.join('\n'))
  })

  it('version 3: the v2-compatible write with the database as bucket', async () => {
    const r = await receiver()
    await new InfluxApi(influxConfig(r.url, { version: 3, db: 'aed', token: 'apiv3_tok' })).write(lines)
    const { req } = r.requests[0] as { req: IncomingMessage; body: string }
    expect(req.url).toBe('/api/v2/write?bucket=aed&precision=ms')
    expect(req.headers.authorization).toBe('Token apiv3_tok')
  })

  it('queries with InfluxQL on /query for every version', async () => {
    const r = await receiver()
    const api = new InfluxApi(influxConfig(r.url, { version: 2, db: 'aed', token: 't' }))
    await api.query('SHOW MEASUREMENTS').catch(() => undefined)
    const { req } = r.requests[0] as { req: IncomingMessage; body: string }
    expect(req.url?.startsWith('/query?')).toBe(true)
    const q = new URLSearchParams(req.url?.split('?')[1])
    expect(q.get('q')).toBe('SHOW MEASUREMENTS')
    expect(q.get('db')).toBe('aed')
  })
})
