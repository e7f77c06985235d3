import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

describe('operations listener', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('keeps /metrics, where event counters tick with every door and AED event, from anonymous callers on the public listener', async () => {
    const anonymous = await gw.api('GET', '/metrics', undefined, null)
    expect(anonymous.status).toBe(401)
    expect(String(anonymous.json)).not.toContain('aedgw_messages_received_total')
    const withToken = await gw.api('GET', '/metrics')
    expect(withToken.status).toBe(200)
    expect(withToken.json).toContain('aedgw_messages_received_total')
  })

  it('says only ready or not on the public /readyz, with the checks for a token', async () => {
    const anonymous = await gw.api('GET', '/readyz', undefined, null)
    expect(anonymous.status).toBe(200)
    expect(anonymous.json).toEqual({ status: 'ready' })
    const withToken = await gw.api('GET', '/readyz')
    expect(withToken.json).toMatchObject({ status: 'ready', checks: { broker: { ok: true } } })
    expect(typeof withToken.json.outbox.depth).toBe('number')
  })

  it('serves /docs on the public listener to tokens only', async () => {
    expect((await fetch(`${gw.httpUrl}/docs`)).status).toBe(401)
    expect((await fetch(`${gw.httpUrl}/docs/json`)).status).toBe(401)
  })

  it('serves metrics, the OpenAPI document and readiness detail without a token on its own port', async () => {
    expect(gw.config.http.ops.bind).toBe('127.0.0.1')
    const metrics = await fetch(`${gw.opsUrl}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toContain('aedgw_messages_received_total')
    const ready = (await (await fetch(`${gw.opsUrl}/readyz`)).json()) as { checks: unknown }
    expect(ready.checks).toBeDefined()
    const doc = (await (await fetch(`${gw.opsUrl}/docs/json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/cabinets', '/feeds/healthmap.geojson']),
    )
    // the public API is not served there
    expect((await fetch(`${gw.opsUrl}/api/v1/cabinets`)).status).toBe(404)
  })

  it('binds the operations listener to loopback by default', async () => {
    const { loadConfig } = await import('../../gateway/config/load.ts')
    expect(loadConfig({}, {}).http.ops).toEqual({ bind: '127.0.0.1', port: 9464 })
    expect(loadConfig({ AEDGW_BIND: '0.0.0.0' }, {}).http.ops.bind).toBe('127.0.0.1')
  })
})
