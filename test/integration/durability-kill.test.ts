import { randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { registerOn, spawnGateway, waitReady } from '../helpers/child-gateway.ts'
import { ADMIN_TOKEN, connectCabinet } from '../helpers/gateway.ts'
import { eventually, influxRows, influxUrl } from '../helpers/influx.ts'
import { publishBurst, storedSeqs } from '../helpers/load.ts'

describe('durability across a crash', () => {
  it('keeps every acknowledged message when the gateway is SIGKILLed right after PUBACKs: after restart each is in InfluxDB exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-kill-'))
    const db = `kill_${randomBytes(4).toString('hex')}`
    // a long flush interval keeps acknowledged lines in the outbox at the moment of the kill
    const cfg = join(dataDir, 'gw.yaml')
    writeFileSync(
      cfg,
      'influx:\n  flush_interval_ms: 3000\nmqtt:\n  rate:\n    per_second: 100000\n    burst: 100000\n',
    )
    const env = {
      AEDGW_CONFIG: cfg,
      AEDGW_DATA_DIR: dataDir,
      AEDGW_INFLUX_URL: influxUrl(),
      AEDGW_INFLUX_DB: db,
      AEDGW_ADMIN_TOKEN: ADMIN_TOKEN,
    }
    const first = await spawnGateway(env)
    await waitReady(first)
    const cabinets = ['KILL-0001', 'KILL-0002', 'KILL-0003', 'KILL-0004']
    const secrets = await Promise.all(cabinets.map((id) => registerOn(first, id)))
    const acked = new Map(cabinets.map((id) => [id, new Set<number>()]))
    const clients = await Promise.all(
      cabinets.map((id, i) => connectCabinet(first.mqttUrl, id, secrets[i] as string)),
    )
    const bursts = clients.map((c, i) => {
      const id = cabinets[i] as string
      return publishBurst(c, cabinetTopic(id, 'heartbeat'), 0, 3000, acked.get(id) as Set<number>)
    })
    // kill as soon as a good share is acknowledged, while PUBACKs are still flowing
    await eventually(
      () => ([...acked.values()].reduce((n, s) => n + s.size, 0) >= 2000 ? true : undefined),
      30_000,
    )
    first.process.kill('SIGKILL')
    await first.exited
    await Promise.all(bursts)
    for (const c of clients) c.end(true)
    const totalAcked = [...acked.values()].reduce((n, s) => n + s.size, 0)
    expect(totalAcked).toBeGreaterThanOrEqual(2000)

    const second = await spawnGateway(env)
    try {
      await waitReady(second)
      for (const id of cabinets) {
        const want = acked.get(id) as Set<number>
        const stored = await eventually(async () => {
          const s = await storedSeqs((q) => influxRows(db, q), id)
          return [...want].every((seq) => s.has(seq)) ? s : undefined
        }, 30_000)
        for (const [seq, n] of stored) {
          expect(n, `seq ${seq} of ${id}`).toBe(1)
          expect(seq).toBeLessThan(3000)
        }
      }
      const depth = await eventually(async () => {
        const r = await fetch(`${second.httpUrl}/readyz`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
        const j = (await r.json()) as { outbox: { depth: number } }
        return j.outbox.depth === 0 ? 0 : undefined
      })
      expect(depth).toBe(0)
    } finally {
      second.process.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    }
  })
})
