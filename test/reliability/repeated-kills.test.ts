import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { registerOn, spawnGateway, waitReady } from '../helpers/child-gateway.ts'
import { ADMIN_TOKEN, connectCabinet } from '../helpers/gateway.ts'
import { eventually, influxRows, influxUrl } from '../helpers/influx.ts'
import { publishBurst, storedSeqs } from '../helpers/load.ts'
import { record, render } from './report.ts'
import { budget, prng, SCALE, SEED } from './scale.ts'

const CABINETS = ['KILLR-0001', 'KILLR-0002', 'KILLR-0003', 'KILLR-0004']
const PER_ROUND = 2500
/** Each round publishes its own seq range, so a message is named by (cabinet, seq) across rounds. */
const ROUND_STRIDE = 10_000

describe('repeated SIGKILL under load', () => {
  afterAll(() => {
    render()
  })

  it(
    `loses no acknowledged message across ${SCALE.kills} SIGKILLs, each at a random point under load, with a restart after each`,
    async () => {
      const random = prng(SEED)
      const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-kills-'))
      const db = `kills_${randomBytes(4).toString('hex')}`
      const cfg = join(dataDir, 'gw.yaml')
      // a flush interval long enough that acknowledged lines sit in the outbox when the kill lands
      writeFileSync(
        cfg,
        'influx:\n  flush_interval_ms: 400\nmqtt:\n  rate:\n    per_second: 100000\n    burst: 100000\n',
      )
      const env = {
        AEDGW_CONFIG: cfg,
        AEDGW_DATA_DIR: dataDir,
        AEDGW_INFLUX_URL: influxUrl(),
        AEDGW_INFLUX_DB: db,
        AEDGW_ADMIN_TOKEN: ADMIN_TOKEN,
        AEDGW_LOG_LEVEL: 'warn',
      }
      const acked = new Map(CABINETS.map((id) => [id, new Set<number>()]))
      const secrets = new Map<string, string>()
      const killPoints: number[] = []
      let gw = await spawnGateway(env)
      try {
        await waitReady(gw)
        for (const id of CABINETS) secrets.set(id, await registerOn(gw, id))
        for (let round = 0; round < SCALE.kills; round++) {
          if (round > 0) {
            gw = await spawnGateway(env)
            await waitReady(gw)
          }
          const url = gw.mqttUrl
          const clients = await Promise.all(
            CABINETS.map((id) => connectCabinet(url, id, secrets.get(id) as string)),
          )
          const ackedThisRound = () =>
            [...acked.values()].reduce(
              (n, s) => n + [...s].filter((seq) => seq >= round * ROUND_STRIDE).length,
              0,
            )
          const bursts = clients.map((c, i) => {
            const id = CABINETS[i] as string
            const from = round * ROUND_STRIDE
            return publishBurst(
              c,
              cabinetTopic(id, 'heartbeat'),
              from,
              from + PER_ROUND,
              acked.get(id) as Set<number>,
            )
          })
          // somewhere between a trickle and most of the load: PUBACKs and commits still in flight
          const killAt = Math.floor(200 + random() * (CABINETS.length * PER_ROUND * 0.7))
          await eventually(() => (ackedThisRound() >= killAt ? true : undefined), 60_000).catch(
            () => undefined,
          )
          killPoints.push(ackedThisRound())
          gw.process.kill('SIGKILL')
          await gw.exited
          await Promise.all(bursts)
          for (const c of clients) c.end(true)
        }

        gw = await spawnGateway(env)
        await waitReady(gw)
        let stored = 0
        let lost = 0
        let duplicates = 0
        let extra = 0
        for (const id of CABINETS) {
          const want = acked.get(id) as Set<number>
          const got = await eventually(async () => {
            const s = await storedSeqs((q) => influxRows(db, q), id)
            return [...want].every((seq) => s.has(seq)) ? s : undefined
          }, 60_000).catch(async () => storedSeqs((q) => influxRows(db, q), id))
          for (const seq of want) {
            const n = got.get(seq) ?? 0
            if (n === 0) lost++
            else stored++
            if (n > 1) duplicates++
          }
          extra += [...got.keys()].filter((seq) => !want.has(seq)).length
        }
        const totalAcked = [...acked.values()].reduce((n, s) => n + s.size, 0)
        const depth = await eventually(async () => {
          const r = (await (
            await fetch(`${gw.httpUrl}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
          ).json()) as { outbox: { depth: number } }
          return r.outbox.depth === 0 ? 0 : undefined
        }, 60_000)
        record(
          'faults',
          'repeated SIGKILL under load',
          {
            kills: SCALE.kills,
            acked: totalAcked,
            stored,
            lost,
            duplicates,
            stored_unacked: extra,
            outbox_depth_after: depth,
          },
          [`acknowledged at each kill: ${killPoints.join(', ')}; seed ${SEED}`],
        )
        expect(lost).toBe(0)
        expect(duplicates).toBe(0)
        expect(totalAcked).toBeGreaterThan(SCALE.kills * 200)
      } finally {
        if (gw.process.exitCode === null && gw.process.signalCode === null) {
          gw.process.kill('SIGTERM')
          expect(await gw.exited).toBe(0)
        }
        rmSync(dataDir, { recursive: true, force: true })
      }
    },
    budget(SCALE.kills * 30_000),
  )
})
