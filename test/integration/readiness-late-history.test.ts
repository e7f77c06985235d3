import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

function heartbeat(seq: number, ts: number, intervalS: number): string {
  return JSON.stringify({
    ts: new Date(ts).toISOString(),
    seq,
    battery_pct: 87,
    pad_expiry: '2030-05-01',
    door: 'closed',
    aed_present: true,
    self_test: 'pass',
    power: 'mains',
    interval_s: intervalS,
  })
}

describe('readiness history in device time', () => {
  let gw: TestGateway
  // two days in the past, so InfluxDB's own continuous queries (last 6 h of its clock) cover
  // none of it: rollups found in this window were run by the gateway. Jumps set by the test, real
  // time running on between them (the writer batches on the clock).
  let base = Date.now() - 2 * DAY
  let t0 = Date.now()
  const clock = () => base + (Date.now() - t0)
  const jump = (ms: number) => {
    base = clock() + ms
    t0 = Date.now()
  }
  const readiness = async (cabinet: string) =>
    (
      await influxRows(gw.db, `SELECT "state" FROM "readiness" WHERE "cabinet" = '${cabinet}' GROUP BY *`)
    ).sort((a, b) => Number(a.time) - Number(b.time))

  beforeAll(async () => {
    gw = await startTestGateway(
      {
        feeds: {
          readiness_interval_ms: 100,
          late_history: { settle_ms: 300, late_after_ms: 60_000, step_ms: 60_000, max_cabinets_per_tick: 10 },
        },
      },
      clock,
    )
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('shows ready, not offline, for the window a cabinet later delivers its buffered heartbeats for', async () => {
    const id = 'BKK-1001-0201'
    const secret = await gw.register(id)
    let c = await gw.connect(id, secret)
    const start = clock()
    await c.publishAsync(cabinetTopic(id, 'heartbeat'), heartbeat(1, start, 60), { qos: 1 })
    await eventually(async () => ((await readiness(id)).some((r) => r.state === 'ready') ? true : undefined))

    // the network drops for half an hour: the gateway sees the cabinet offline
    await c.endAsync(true)
    jump(30 * MIN)
    await eventually(async () =>
      (await readiness(id)).some((r) => r.state === 'offline') ? true : undefined,
    )

    // back online, it delivers what it buffered, each heartbeat with its own time
    c = await gw.connect(id, secret)
    for (let k = 1; k <= 30; k++)
      await c.publishAsync(cabinetTopic(id, 'heartbeat'), heartbeat(1 + k, start + k * MIN, 60), { qos: 1 })

    // before its first heartbeat (connected, nothing reported yet) it was unknown
    const points = await eventually(async () => {
      const rows = (await readiness(id)).filter((r) => Number(r.time) >= start)
      return rows.length > 0 && rows.every((r) => r.state === 'ready') ? rows : undefined
    })
    expect(points.map((r) => r.time)).toEqual([start])
    expect((await readiness(id)).map((r) => r.state)).not.toContain('offline')

    const hours = await eventually(async () => {
      const rows = await influxRows(
        gw.db,
        `SELECT "heartbeats" FROM "rollup"."heartbeat_1h" WHERE "cabinet" = '${id}' AND time >= ${start - HOUR}ms`,
      )
      const n = rows.reduce((sum, r) => sum + Number(r.heartbeats), 0)
      return n === 31 ? rows : undefined
    })
    expect(hours.length).toBeGreaterThanOrEqual(1)
  })

  it('holds readiness from a 14-day backfill, from before the gateway started', async () => {
    const id = 'BKK-1001-0202'
    const secret = await gw.register(id)
    const c = await gw.connect(id, secret)
    const now = clock()
    const first = now - 14 * DAY
    let seq = 0
    for (let t = first; t <= now; t += HOUR) {
      await c.publishAsync(cabinetTopic(id, 'heartbeat'), heartbeat(++seq, t, 3600), { qos: 1 })
      // AEDs test themselves daily
      if ((t - first) % DAY === 0)
        await c.publishAsync(
          cabinetTopic(id, 'event'),
          JSON.stringify({
            ts: new Date(t + MIN).toISOString(),
            seq: ++seq,
            type: 'self_test',
            result: 'pass',
          }),
          { qos: 1 },
        )
    }

    const points = await eventually(async () => {
      const rows = await readiness(id)
      return rows[0]?.time === first ? rows : undefined
    }, 60_000)
    expect(points.map((r) => r.state)).toEqual(points.map(() => 'ready'))

    const hours = await eventually(async () => {
      const rows = await influxRows(
        gw.db,
        `SELECT "heartbeats" FROM "rollup"."heartbeat_1h" WHERE "cabinet" = '${id}' AND time < ${now - 7 * HOUR}ms`,
      )
      return rows.length >= 14 * 24 - 7 ? rows : undefined
    }, 60_000)
    expect(hours[0]?.time).toBe(Math.floor(first / HOUR) * HOUR)
  }, 120_000)
})
