import { get, type IncomingHttpHeaders } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

const ID = 'BKK-1001-0101'

/**
 * One stream on its own socket (node:http, no agent: nothing pooled or opened ahead).
 * `next(type)` resolves with the next event of that type; `ended` once the server ends it.
 */
function openStream(url: string, token: string) {
  return new Promise<{
    status: number
    headers: IncomingHttpHeaders
    next(type: string): Promise<Record<string, any>>
    ended: Promise<string>
    close(): void
  }>((resolve, reject) => {
    const req = get(url, { agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let buf = ''
      let all = ''
      let wake: (() => void) | null = null
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        buf += c
        all += c
        wake?.()
      })
      const ended = new Promise<string>((done) => res.on('end', () => done(all)))
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        ended,
        close: () => req.destroy(),
        async next(type) {
          for (;;) {
            for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
              const lines = buf.slice(0, cut).split('\n')
              buf = buf.slice(cut + 2)
              const data = lines.find((l) => l.startsWith('data: '))
              if (lines.includes(`event: ${type}`) && data) return JSON.parse(data.slice(6))
            }
            await new Promise<void>((r) => {
              wake = r
            })
          }
        },
      })
    })
    req.on('error', reject)
  })
}

describe('alert event stream', () => {
  let gw: TestGateway
  let viewer: string
  let maintainer: string

  beforeAll(async () => {
    gw = await startTestGateway()
    viewer = (await gw.api('POST', '/api/v1/tokens', { name: 'city-ops', role: 'viewer' })).json.token
    maintainer = (await gw.api('POST', '/api/v1/tokens', { name: 'team-north', role: 'maintainer' })).json
      .token
  })
  afterAll(async () => {
    await gw?.stop()
  })

  it('refuses a client without a token', async () => {
    const res = await fetch(`${gw.httpUrl}/api/v1/alerts/stream`)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: 'AEDGW_ERR_UNAUTHENTICATED' })
  })

  it('sends a viewer every transition as it happens: opened, then acknowledged by whom', async () => {
    const stream = await openStream(`${gw.httpUrl}/api/v1/alerts/stream`, viewer)
    expect(stream.status).toBe(200)
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(stream.headers['cache-control']).toBe('no-store')
    const client = await gw.connect(ID, await gw.register(ID))
    await client.publishAsync(
      cabinetTopic(ID, 'event'),
      JSON.stringify({ ts: new Date().toISOString(), seq: 1, type: 'door_open' }),
      { qos: 1 },
    )
    const opened = await stream.next('alert')
    expect(opened).toMatchObject({
      cabinet_id: ID,
      type: 'door_open',
      state: 'active',
      transition: { kind: 'open', by: 'system' },
    })
    const ack = await gw.api('POST', `/api/v1/alerts/${opened.id}/ack`, { comment: 'seen' }, maintainer)
    expect(ack.status).toBe(200)
    const acked = await stream.next('alert')
    expect(acked).toMatchObject({
      id: opened.id,
      state: 'acknowledged',
      transition: { kind: 'acknowledge', by: 'team-north (maintainer)', comment: 'seen' },
    })
    stream.close()
  })

  it('ends open streams when the gateway stops, so stopping does not wait on them', async () => {
    const stream = await openStream(`${gw.httpUrl}/api/v1/alerts/stream`, viewer)
    expect(stream.status).toBe(200)
    await gw.stop()
    expect(await stream.ended).toContain(': connected')
    gw = undefined as unknown as TestGateway
  })
})
