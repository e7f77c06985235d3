import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Influxd, startInfluxd } from '../../scripts/lib/influxd.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually } from '../helpers/influx.ts'

describe('scheduled BKKHDC build with InfluxDB down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-bkkhdc-retry-'))
  let influxd: Influxd | null = null
  let gw: TestGateway | null = null
  // 02:00 on 20 November 2026, Bangkok time: the scheduled build of October
  const base = Date.UTC(2026, 10, 19, 19, 0)
  const t0 = Date.now()
  const clock = () => base + (Date.now() - t0)
  const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-bkkhdc-retry-data-'))
  const db = `t_${randomBytes(6).toString('hex')}`

  afterAll(async () => {
    await gw?.stop()
    await influxd?.stop()
    rmSync(dir, { recursive: true, force: true })
    rmSync(dataDir, { recursive: true, force: true })
  })
  const start = (url: string) =>
    startTestGateway(
      {
        data_dir: dataDir,
        influx: { url, db, retry_base_ms: 50, retry_max_ms: 400 },
        alerts: { tick_ms: 50 },
        feeds: { bkkhdc: { retry_base_ms: 200, retry_max_ms: 800, tick_ms: 50 } },
      },
      clock,
    )

  it('retries on its own with an operator alert while late, until InfluxDB is back and the month is built', async () => {
    influxd = await startInfluxd(dir)
    gw = await start(influxd.url)
    await gw.register('BKK-1047-0001', { district_code: '1047' })
    await influxd.stop()

    await gw.gateway.feeds.bkkhdc.scheduled()
    const late = gw.gateway.feeds.bkkhdc.lateBuild()
    expect(late).toMatchObject({ month: '2026-10', attempts: 1 })
    const alert = await eventually(async () => {
      const r = await gw!.api('GET', '/api/v1/alerts?state=open&type=bkkhdc_build_late')
      return r.json.items?.length === 1 ? r.json.items[0] : undefined
    })
    expect(alert).toMatchObject({ cabinet_id: 'gateway', severity: 'major' })
    expect(alert.summary).toMatch(/2026-10 not built/)
    // retried, backing off, while InfluxDB stays down
    await eventually(() => ((gw!.gateway.feeds.bkkhdc.lateBuild()?.attempts ?? 0) >= 3 ? true : undefined))
    expect((await gw.api('GET', '/api/v1/exports/bkkhdc')).json.items).toEqual([])

    // a restart in the meantime: the failed scheduled build is found again and still retried
    await gw.stop()
    gw = await start(influxd.url)
    await eventually(() => (gw!.gateway.feeds.bkkhdc.lateBuild()?.month === '2026-10' ? true : undefined))

    influxd = await startInfluxd(dir, influxd.port)
    const built = await eventually(async () => {
      const r = await gw!.api('GET', '/api/v1/exports/bkkhdc')
      return r.json.items?.length === 1 ? r.json.items[0] : undefined
    }, 30_000)
    expect(built).toMatchObject({ month: '2026-10', dataset_id: 'bkkhdc-aed-2026-10' })
    expect(gw.gateway.feeds.bkkhdc.lateBuild()).toBeNull()
    await eventually(async () => {
      const r = await gw!.api('GET', '/api/v1/alerts?state=open&type=bkkhdc_build_late')
      return r.json.items?.length === 0 ? true : undefined
    })
  }, 60_000)
})
