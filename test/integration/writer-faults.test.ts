import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startInfluxd } from '../../scripts/lib/influxd.ts'
import { heartbeat, startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxQuery, influxRows, influxUrl } from '../helpers/influx.ts'
import { publishBurst } from '../helpers/load.ts'

describe('the InfluxDB writer', () => {
  it('quarantines only the lines InfluxDB refuses (400) and writes the rest', async () => {
    const gw = await startTestGateway({ influx: { flush_interval_ms: 300 } })
    try {
      const secret = await gw.register('SPLIT-0001')
      // the gateway makes its retention policy the database's default when it first reaches
      // InfluxDB: the seed must land in that policy's shard, so wait for it (on a busy machine
      // the seed could otherwise land in autogen, and no heartbeat would conflict)
      await eventually(async () => {
        const [s] = await influxQuery(gw.db, `SHOW RETENTION POLICIES ON "${gw.db}"`).catch(() => [])
        return s?.values.some((v) => v[0] === 'raw' && v.at(-1) === true) ? true : undefined
      })
      // make temp_c a string field in this shard: any float temp_c after it is a type conflict (400)
      const seed = await fetch(`${influxUrl()}/write?db=${gw.db}&precision=ms`, {
        method: 'POST',
        body: `heartbeat,cabinet=SEED,district=1001 temp_c="hot" ${Date.UTC(2026, 0, 1)}`,
      })
      expect(seed.status).toBe(204)
      const c = await gw.connect('SPLIT-0001', secret)
      const bad = new Set([3, 11, 12, 17])
      for (let seq = 1; seq <= 20; seq++) {
        const extra = bad.has(seq) ? { temp_c: 30.5 } : { temp_c: undefined }
        await c.publishAsync(cabinetTopic('SPLIT-0001', 'heartbeat'), heartbeat(seq, extra), { qos: 1 })
      }
      const stored = await eventually(async () => {
        const r = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = 'SPLIT-0001'`)
        return r.length === 16 ? r : undefined
      })
      expect(stored.map((r) => r.seq)).toEqual(
        [...Array(20).keys()].map((i) => i + 1).filter((s) => !bad.has(s)),
      )
      const q = await eventually(async () => {
        const r = await gw.api('GET', '/api/v1/quarantine?limit=10')
        const items = r.json.items.filter((i: { stage: string }) => i.stage === 'influx')
        return items.length === 4 ? items : undefined
      })
      for (const item of q) {
        expect(item.reason).toMatch(/^InfluxDB 400: .*field type conflict/)
        expect(Buffer.from(item.raw_base64, 'base64').toString()).toMatch(/temp_c=30\.5/)
      }
      await eventually(async () =>
        (await gw.api('GET', '/readyz')).json.outbox.depth === 0 ? true : undefined,
      )
    } finally {
      await gw.stop()
    }
  })

  it('stops acknowledging at the outbox quota, says why in /readyz, and recovers when space returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aedgw-quota-'))
    let influxd = await startInfluxd(dir)
    const gw = await startTestGateway({
      influx: { url: influxd.url, retry_base_ms: 50, retry_max_ms: 200 },
      store: { max_outbox_bytes: 4000 },
    })
    try {
      const secret = await gw.register('QUOTA-0001')
      await influxd.stop()
      const c = await gw.connect('QUOTA-0001', secret)
      const acked = new Set<number>()
      // one at a time: ~250 bytes a line, the quota lets a handful in, then the connection is
      // closed without a PUBACK
      let closed = false
      c.once('close', () => {
        closed = true
      })
      for (let seq = 0; seq < 100 && !closed; seq++) {
        await publishBurst(c, cabinetTopic('QUOTA-0001', 'heartbeat'), seq, seq + 1, acked)
      }
      expect(closed).toBe(true)
      expect(acked.size).toBeGreaterThan(5)
      expect(acked.size).toBeLessThan(30)
      const ready = await gw.api('GET', '/readyz')
      expect(ready.status).toBe(503)
      expect(ready.json.checks.store.detail).toMatch(/outbox full/)
      // a door opened while the outbox is full: not acknowledged, but city operations hear of it
      const doorSecret = await gw.register('QUOTA-0002')
      const d = await gw.connect('QUOTA-0002', doorSecret)
      const doorOpen = JSON.stringify({ ts: new Date().toISOString(), seq: 1, type: 'door_open' })
      d.publishAsync(cabinetTopic('QUOTA-0002', 'event'), doorOpen, { qos: 1 }).catch(() => {})
      const alert = await eventually(async () => {
        const list = await gw.api('GET', '/api/v1/alerts?state=active&type=door_open')
        return list.json.items.find((a: { cabinet_id: string }) => a.cabinet_id === 'QUOTA-0002')
      })
      expect(alert).toMatchObject({ type: 'door_open', cabinet_id: 'QUOTA-0002' })
      d.end(true)
      const metrics = (await gw.api('GET', '/metrics')).json as string
      expect(metrics).toMatch(/aedgw_messages_rejected_total\{reason="outbox_unavailable"\} [1-9]/)
      expect(metrics).toMatch(/aedgw_events_unstored_total [1-9]/)

      influxd = await startInfluxd(dir, influxd.port)
      await eventually(
        async () => ((await gw.api('GET', '/readyz')).status === 200 ? true : undefined),
        30_000,
      )
      const c2 = await gw.connect('QUOTA-0001', secret)
      await c2.publishAsync(cabinetTopic('QUOTA-0001', 'heartbeat'), heartbeat(500), { qos: 1 })
      const rows = await eventually(async () => {
        const r = await influxRows(
          gw.db,
          `SELECT seq FROM heartbeat WHERE cabinet = 'QUOTA-0001'`,
          influxd.url,
        )
        return r.some((x) => x.seq === 500) ? r : undefined
      })
      const stored = new Set(rows.map((r) => r.seq))
      for (const seq of acked) expect(stored.has(seq)).toBe(true)
    } finally {
      await gw.stop()
      await influxd.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
