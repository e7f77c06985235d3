import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof addr !== 'object' || !addr) throw new Error('no port')
  return addr.port
}

describe('API errors with InfluxDB unreachable', () => {
  let gw: TestGateway

  beforeAll(async () => {
    gw = await startTestGateway({ influx: { url: `http://127.0.0.1:${await closedPort()}` } })
    await gw.register('BKK-1047-0001', { district_code: '1047' })
  })
  afterAll(async () => {
    await gw?.stop()
  })

  it('answers 503 AEDGW_ERR_INFLUX_UNAVAILABLE when a dataset cannot read its history', async () => {
    const r = await gw.api('POST', '/api/v1/exports/bkkhdc/2026-01')
    expect(r.status).toBe(503)
    expect(r.json.error).toBe('AEDGW_ERR_INFLUX_UNAVAILABLE')
    expect(r.json.message).toMatch(/^could not read InfluxDB history/)
  })

  it('still answers the catalogue codes of client errors with their status', async () => {
    const r = await gw.api('POST', '/api/v1/exports/bkkhdc/2999-01')
    expect(r.status).toBe(409)
    expect(r.json.error).toBe('AEDGW_ERR_PERIOD_NOT_OVER')
  })
})
