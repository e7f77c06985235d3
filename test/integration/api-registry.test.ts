import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registrationFor, startTestGateway, type TestGateway } from '../helpers/gateway.ts'

describe('the registry API', () => {
  let gw: TestGateway
  let viewer: string
  let maintainer: string

  beforeAll(async () => {
    gw = await startTestGateway()
    viewer = (await gw.api('POST', '/api/v1/tokens', { name: 'ops screen', role: 'viewer' })).json.token
    maintainer = (await gw.api('POST', '/api/v1/tokens', { name: 'team north', role: 'maintainer' })).json
      .token
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('registers a cabinet and shows its secret only once', async () => {
    const body = {
      id: 'BKK-1047-0007',
      name: 'Bang Na District Office',
      name_th: 'สำนักงานเขตบางนา',
      lat: 13.6683,
      lon: 100.6044,
      district_code: '1047',
      address: '1 Bang Na-Trat Rd',
      address_th: '1 ถนนบางนา-ตราด',
      access: 'yes',
      indoor: false,
      opening_hours: '24/7',
      location_note: 'beside the main entrance',
    }
    const created = await gw.api('POST', '/api/v1/cabinets', body)
    expect(created.status).toBe(201)
    expect(created.json.id).toBe('BKK-1047-0007')
    expect(created.json.secret).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const got = await gw.api('GET', '/api/v1/cabinets/BKK-1047-0007', undefined, viewer)
    expect(got.status).toBe(200)
    expect(got.json).toMatchObject({
      ...body,
      district_name: 'Bang Na',
      district_name_th: 'บางนา',
      retired: false,
    })
    expect(JSON.stringify(got.json)).not.toContain(created.json.secret)
    const list = await gw.api('GET', '/api/v1/cabinets?district=1047', undefined, viewer)
    expect(list.json.items.map((c: { id: string }) => c.id)).toEqual(['BKK-1047-0007'])
  })

  it('refuses unknown keys, bad ids and non-Bangkok districts with a 400 naming each', async () => {
    const r = await gw.api('POST', '/api/v1/cabinets', {
      ...registrationFor('ok-id-1'),
      colour: 'red',
      district_code: '2001',
    })
    expect(r.status).toBe(400)
    expect(r.json.error).toBe('AEDGW_ERR_VALIDATION')
    expect(r.json.message).toContain('colour')
    expect(r.json.message).toContain('district_code')
    const bad = await gw.api('POST', '/api/v1/cabinets', registrationFor('#'))
    expect(bad.status).toBe(400)
    expect(bad.json.message).toContain('id:')
    const notJson = await gw.api('POST', '/api/v1/cabinets', '{"id":')
    expect(notJson.status).toBe(400)
    expect(notJson.json).not.toHaveProperty('stack')
  })

  it('answers 409 for a known id, and rotating the secret invalidates the old one', async () => {
    const first = await gw.register('ROT-0001')
    const again = await gw.api('POST', '/api/v1/cabinets', registrationFor('ROT-0001'))
    expect(again.status).toBe(409)
    expect(again.json.error).toBe('AEDGW_ERR_CABINET_EXISTS')
    const rotated = await gw.api('POST', '/api/v1/cabinets/ROT-0001/secret')
    expect(rotated.status).toBe(200)
    expect(rotated.json.secret).not.toBe(first)
    await expect(gw.connect('ROT-0001', first)).rejects.toMatchObject({ code: 4 })
    const c = await gw.connect('ROT-0001', rotated.json.secret)
    expect(c.connected).toBe(true)
  })

  it('retires a cabinet: it may no longer connect and leaves the default listing', async () => {
    const secret = await gw.register('RET-0001')
    expect((await gw.api('DELETE', '/api/v1/cabinets/RET-0001')).json.retired).toBe(true)
    await expect(gw.connect('RET-0001', secret)).rejects.toMatchObject({ code: 4 })
    const list = await gw.api('GET', '/api/v1/cabinets', undefined, viewer)
    expect(list.json.items.some((c: { id: string }) => c.id === 'RET-0001')).toBe(false)
  })

  it('enforces roles: no token 401, unknown token 401, viewer and maintainer may not register', async () => {
    const none = await gw.api('GET', '/api/v1/cabinets', undefined, null)
    expect(none.status).toBe(401)
    expect(none.json.error).toBe('AEDGW_ERR_UNAUTHENTICATED')
    expect((await gw.api('GET', '/api/v1/cabinets', undefined, 'aedgw_not-a-real-token-at-all')).status).toBe(
      401,
    )
    const v = await gw.api('POST', '/api/v1/cabinets', registrationFor('ROLE-0001'), viewer)
    expect(v.status).toBe(403)
    expect(v.json.error).toBe('AEDGW_ERR_FORBIDDEN')
    expect((await gw.api('POST', '/api/v1/cabinets', registrationFor('ROLE-0001'), maintainer)).status).toBe(
      403,
    )
    expect((await gw.api('GET', '/api/v1/cabinets/ROLE-0001', undefined, viewer)).status).toBe(404)
  })

  it('answers unknown routes and oversize bodies with JSON errors', async () => {
    const nf = await gw.api('GET', '/api/v1/nothing')
    expect(nf.status).toBe(404)
    expect(nf.json.error).toBe('AEDGW_ERR_NOT_FOUND')
    const big = await gw.api('POST', '/api/v1/cabinets', {
      ...registrationFor('BIG-0001'),
      address: 'x'.repeat(70_000),
    })
    expect(big.status).toBe(413)
    expect(big.json.error).toBe('AEDGW_ERR_BAD_REQUEST')
  })

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await gw.api('GET', '/healthz', undefined, null)).json).toEqual({ status: 'ok' })
    const ready = await gw.api('GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.json.checks.broker.ok).toBe(true)
    const metrics = await gw.api('GET', '/metrics')
    expect(metrics.json).toContain('aedgw_outbox_depth')
    expect(metrics.json).toContain('aedgw_connected_cabinets')
    const doc = await gw.api('GET', '/docs/json')
    expect(doc.json.openapi).toMatch(/^3\./)
    const ui = await fetch(`${gw.opsUrl}/docs`)
    expect(ui.status).toBe(200)
    expect(await ui.text()).toMatch(/swagger/i)
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(['/api/v1/cabinets', '/api/v1/cabinets/{id}', '/readyz']),
    )
  })
})
