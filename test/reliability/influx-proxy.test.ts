import type { MqttClient } from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows, influxUrl } from '../helpers/influx.ts'
import { type ProxyMode, startTcpProxy } from '../helpers/tcp-proxy.ts'
import { metric } from './arena.ts'
import { record, render } from './report.ts'
import { budget, MODE } from './scale.ts'
import { SteadyLoad } from './steady-load.ts'

const CABINETS = ['PROXY-0001', 'PROXY-0002']

/**
 * InfluxDB slow, hung and unreachable behind a TCP proxy the test controls, while cabinets keep
 * publishing. A hung InfluxDB is the nasty one: the TCP connection is up, the request is sent,
 * no answer comes. The writer must time out, retry the same batch, lose nothing and (because a
 * point keeps its device time) store nothing twice when the held request finally lands too.
 */
describe('InfluxDB slow or stalled behind a TCP proxy', () => {
  afterAll(() => {
    render()
  })

  it(
    'retries through delay, stall and dropped connections; every acknowledged message stored once',
    async () => {
      const target = new URL(influxUrl())
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) })
      const gw = await startTestGateway({
        influx: { url: proxy.url, timeout_ms: 1500, retry_base_ms: 100, retry_max_ms: 1000 },
        mqtt: { rate: { per_second: 1000, burst: 1000 } },
      })
      const clients = new Map<string, MqttClient>()
      const phaseMs = MODE === 'long' ? 30_000 : 4000
      try {
        for (const id of CABINETS) clients.set(id, await gw.connect(id, await gw.register(id)))
        const load = new SteadyLoad(clients, 50)
        load.start()
        const written = () => metric(gw, 'aedgw_influx_lines_written_total')
        const observe = async (mode: ProxyMode) => {
          proxy.setMode(mode)
          const before = await written()
          let degraded = false
          let maxDepth = 0
          const end = Date.now() + phaseMs
          while (Date.now() < end) {
            const r = await gw.api('GET', '/readyz')
            if (r.json.checks.influxdb.ok === false) degraded = true
            maxDepth = Math.max(maxDepth, r.json.outbox.depth)
            await new Promise((res) => setTimeout(res, 250))
          }
          return { writtenDuring: (await written()) - before, degraded, maxDepth }
        }

        await eventually(async () => ((await written()) > 50 ? true : undefined))
        const delay = await observe({ kind: 'delay', delayMs: 300 })
        const stall = await observe({ kind: 'stall' })
        const drop = await observe({ kind: 'drop' })
        proxy.setMode({ kind: 'forward' })
        await new Promise((r) => setTimeout(r, 1000))
        await load.stop()

        await eventually(async () => {
          const r = await gw.api('GET', '/readyz')
          return r.json.checks.influxdb.ok && r.json.outbox.depth === 0 ? true : undefined
        }, 60_000)
        const v = await load.verify((q) => influxRows(gw.db, q))
        const timeouts = await metric(gw, 'aedgw_influx_write_failures_total')
        record(
          'faults',
          'InfluxDB delayed, stalled, dropped (TCP proxy)',
          {
            phase_s: phaseMs / 1000,
            acked: v.acked,
            stored: v.stored,
            lost: v.lost,
            duplicates: v.duplicates,
            written_while_delayed: delay.writtenDuring,
            written_while_stalled: stall.writtenDuring,
            outbox_depth_max: Math.max(stall.maxDepth, drop.maxDepth),
            write_failures: timeouts,
            readyz_influxdb_degraded: stall.degraded && drop.degraded,
            proxy_connections: proxy.stats().connections,
          },
          [
            'delay: 300 ms each way per chunk; stall: connections held open, nothing passes; drop: connections cut',
          ],
        )
        // slow is not down: writes go on while every chunk is delayed
        expect(delay.writtenDuring).toBeGreaterThan(0)
        // a hung InfluxDB is noticed (timeout), and so is a refused connection
        expect(stall.degraded).toBe(true)
        expect(drop.degraded).toBe(true)
        expect(stall.maxDepth).toBeGreaterThan(0)
        expect(timeouts).toBeGreaterThan(0)
        expect(v.acked).toBeGreaterThan(100)
        expect(v.lost).toBe(0)
        expect(v.duplicates).toBe(0)
      } finally {
        await gw.stop()
        await proxy.close()
      }
    },
    budget(MODE === 'long' ? 120_000 : 16_000),
  )
})
