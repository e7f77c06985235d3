import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { registerOn, spawnGateway, waitReady } from '../helpers/child-gateway.ts'
import { ADMIN_TOKEN, connectCabinet } from '../helpers/gateway.ts'
import { eventually, influxRows, influxUrl } from '../helpers/influx.ts'
import { publishBurst, storedSeqs } from '../helpers/load.ts'

describe('the compiled gateway (what npm start runs)', () => {
  it('starts from dist/ without tsx, stores every acknowledged heartbeat once through its outbox thread, and stops cleanly', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-compiled-'))
    const db = `compiled_${randomBytes(4).toString('hex')}`
    const gw = await spawnGateway(
      {
        AEDGW_DATA_DIR: dataDir,
        AEDGW_INFLUX_URL: influxUrl(),
        AEDGW_INFLUX_DB: db,
        AEDGW_ADMIN_TOKEN: ADMIN_TOKEN,
      },
      undefined,
      { compiled: true },
    )
    try {
      await waitReady(gw)
      const cmdline = readFileSync(`/proc/${gw.process.pid}/cmdline`, 'utf8').split('\0')
      expect(cmdline).toContain('dist/gateway/main.js')
      expect(cmdline.join(' ')).not.toMatch(/tsx/)
      const id = 'BUILT-0001'
      const secret = await registerOn(gw, id)
      const client = await connectCabinet(gw.mqttUrl, id, secret)
      const acked = new Set<number>()
      await publishBurst(client, cabinetTopic(id, 'heartbeat'), 0, 200, acked)
      client.end(true)
      expect(acked.size).toBe(200)
      const stored = await eventually(async () => {
        const s = await storedSeqs((q) => influxRows(db, q), id)
        return s.size === 200 ? s : undefined
      }, 30_000)
      for (const [seq, n] of stored) expect(n, `seq ${seq}`).toBe(1)
    } finally {
      gw.process.kill('SIGTERM')
      expect(await gw.exited).toBe(0)
    }
  })
})
