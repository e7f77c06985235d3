import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startInfluxd } from '../../scripts/lib/influxd.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { publishBurst, storedSeqs } from '../helpers/load.ts'

describe('InfluxDB down while cabinets publish', () => {
  it('still acknowledges every message, stays ready, and writes them all, none twice, when InfluxDB returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aedgw-outage-'))
    let influxd = await startInfluxd(dir)
    const gw = await startTestGateway({
      influx: { url: influxd.url, retry_base_ms: 50, retry_max_ms: 400 },
      alerts: { tick_ms: 50, sweep_interval_ms: 100, storage: { grace_ms: 300 } },
    })
    try {
      const secret = await gw.register('OUT-0001')
      const c = await gw.connect('OUT-0001', secret)
      const acked = new Set<number>()
      await publishBurst(c, cabinetTopic('OUT-0001', 'heartbeat'), 0, 200, acked)
      await eventually(async () =>
        (await storedSeqs((q) => influxRows(gw.db, q, influxd.url), 'OUT-0001')).size === 200
          ? true
          : undefined,
      )

      await influxd.stop()
      await publishBurst(c, cabinetTopic('OUT-0001', 'heartbeat'), 200, 1200, acked)
      expect(acked.size).toBe(1200)
      const ready = await eventually(async () => {
        const r = await gw.api('GET', '/readyz')
        return r.json.checks.influxdb.ok === false ? r : undefined
      })
      expect(ready.status).toBe(200)
      expect(ready.json.outbox.depth).toBeGreaterThan(0)
      const metrics = (await gw.api('GET', '/metrics')).json as string
      expect(metrics).toMatch(/aedgw_influx_write_failures_total\{kind="network"\} [1-9]/)

      // city operations hear of it: one storage alert for the gateway, not one per cabinet
      const alert = await eventually(async () => {
        const r = await gw.api('GET', '/api/v1/alerts?state=open&type=storage_degraded')
        return r.json.items?.length === 1 ? r.json.items[0] : undefined
      })
      expect(alert).toMatchObject({ cabinet_id: 'gateway', severity: 'major', state: 'active' })
      expect(alert.summary).toMatch(/InfluxDB is not taking writes/)

      influxd = await startInfluxd(dir, influxd.port)
      const stored = await eventually(async () => {
        const s = await storedSeqs((q) => influxRows(gw.db, q, influxd.url), 'OUT-0001')
        return s.size === 1200 ? s : undefined
      }, 30_000)
      expect([...stored.values()].every((n) => n === 1)).toBe(true)
      const after = await eventually(async () => {
        const r = await gw.api('GET', '/readyz')
        return r.json.checks.influxdb.ok && r.json.outbox.depth === 0 ? r : undefined
      })
      expect(after.status).toBe(200)
      const resolved = await eventually(async () => {
        const r = await gw.api('GET', `/api/v1/alerts/${alert.id}`)
        return r.json.state === 'resolved' ? r.json : undefined
      })
      expect(resolved.resolved_by).toBeTruthy()
    } finally {
      await gw.stop()
      await influxd.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
