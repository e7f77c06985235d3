import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { startInfluxd } from '../../scripts/lib/influxd.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { record, render } from './report.ts'
import { budget, SCALE } from './scale.ts'
import { SteadyLoad } from './steady-load.ts'

const CABINETS = ['OUTR-0001', 'OUTR-0002', 'OUTR-0003', 'OUTR-0004']

/**
 * InfluxDB stopped under steady load for SCALE.outageMs (seconds in `npm test`, minutes in the
 * long run). test/integration/influx-outage.test.ts covers a burst across a short outage; this
 * one keeps the fleet publishing throughout and records the figures.
 */
describe('InfluxDB stopped under steady load', () => {
  afterAll(() => {
    render()
  })

  it(
    `acknowledges throughout a ${Math.round(SCALE.outageMs / 1000)} s outage, says storage is degraded, then writes everything once and drains`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'aedgw-outage-r-'))
      let influxd = await startInfluxd(dir)
      const gw = await startTestGateway({
        influx: { url: influxd.url, retry_base_ms: 100, retry_max_ms: 2000, timeout_ms: 2000 },
        mqtt: { rate: { per_second: 1000, burst: 1000 } },
        alerts: { tick_ms: 100, sweep_interval_ms: 200, storage: { grace_ms: 2000 } },
      })
      const clients = new Map<string, MqttClient>()
      try {
        for (const id of CABINETS) clients.set(id, await gw.connect(id, await gw.register(id)))
        const load = new SteadyLoad(clients, 50)
        load.start()
        await eventually(() => (load.totalAcked() > 100 ? true : undefined))

        await influxd.stop()
        const outageStart = Date.now()
        const depthAtStart = (await gw.api('GET', '/readyz')).json.outbox.depth as number
        let degradedSeen = false
        let notReady = 0
        let maxDepth = 0
        let storageAlert: string | null = null
        let alertsRoute = false
        while (Date.now() - outageStart < SCALE.outageMs) {
          const r = await gw.api('GET', '/readyz')
          if (r.json.checks.influxdb.ok === false) degradedSeen = true
          if (r.status !== 200) notReady++
          maxDepth = Math.max(maxDepth, r.json.outbox.depth)
          const alerts = await gw.api('GET', '/api/v1/alerts?state=open')
          if (alerts.status === 200) {
            alertsRoute = true
            const a = (alerts.json.items as Array<{ type: string }>).find((x) =>
              /storage|influx|outbox|writer/i.test(x.type),
            )
            if (a) storageAlert = a.type
          }
          await new Promise((r) => setTimeout(r, 1000))
        }
        const ackedDuringOutage = load.totalAcked()
        influxd = await startInfluxd(dir, influxd.port)
        const outageS = (Date.now() - outageStart) / 1000
        await new Promise((r) => setTimeout(r, 1000))
        await load.stop()

        const after = await eventually(async () => {
          const r = await gw.api('GET', '/readyz')
          return r.json.checks.influxdb.ok && r.json.outbox.depth === 0 ? r : undefined
        }, 120_000)
        const v = await eventually(async () => {
          const res = await load.verify((q) => influxRows(gw.db, q, influxd.url))
          return res.lost === 0 ? res : undefined
        }, 60_000).catch(() => load.verify((q) => influxRows(gw.db, q, influxd.url)))
        const notes = [
          storageAlert
            ? `operator alert during the outage: ${storageAlert}`
            : alertsRoute
              ? 'MISSING: GET /api/v1/alerts showed no storage/InfluxDB alert during the outage; only /readyz (checks.influxdb) and metrics say storage is degraded'
              : 'MISSING: no alerts route answered; only /readyz and metrics say storage is degraded',
        ]
        record(
          'faults',
          'InfluxDB outage under steady load',
          {
            outage_s: Math.round(outageS),
            acked: v.acked,
            stored: v.stored,
            lost: v.lost,
            duplicates: v.duplicates,
            outbox_depth_max: maxDepth,
            readyz_influxdb_degraded: degradedSeen,
            readyz_not_ready_samples: notReady,
            operator_alert: storageAlert ?? 'missing',
          },
          notes,
        )
        expect(degradedSeen).toBe(true)
        expect(storageAlert).toBe('storage_degraded')
        // InfluxDB down alone does not make the gateway unready: the outbox takes the load
        expect(notReady).toBe(0)
        expect(maxDepth).toBeGreaterThan(depthAtStart)
        expect(ackedDuringOutage).toBeGreaterThan(100)
        expect(after.status).toBe(200)
        expect(v.lost).toBe(0)
        expect(v.duplicates).toBe(0)
      } finally {
        await gw.stop()
        await influxd.stop()
        rmSync(dir, { recursive: true, force: true })
      }
    },
    budget(SCALE.outageMs, 180_000),
  )
})
