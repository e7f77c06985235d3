import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MANY_TICKS } from '../../gateway/feeds/late-history.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { ADMIN_TOKEN, heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually } from '../helpers/influx.ts'

const HOUR = 3_600_000
/** The broker's sweeps are 5 s apart; the release comes two quiet sweeps after it is asked for. */
const RELEASE_WAIT_MS = 12_000

describe('the heap given back after a late-history recompute of many cabinets', () => {
  let gw: TestGateway
  const metric = async (name: string): Promise<number> => {
    const res = await fetch(`${gw.opsUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(await res.text())
    return m ? Number(m[1]) : Number.NaN
  }
  let seq = 0
  /** Each cabinet delivers one heartbeat two hours old, as after a network drop: its history is marked. */
  const late = async (ids: string[]) => {
    for (const id of ids) {
      const c = await gw.connect(id, await gw.register(id))
      const ts = new Date(Date.now() - 2 * HOUR).toISOString()
      await c.publishAsync(cabinetTopic(id, 'heartbeat'), heartbeat(++seq, { ts }), { qos: 1 })
    }
  }
  const settled = () =>
    eventually(
      async () => ((await metric('aedgw_late_history_pending_cabinets')) === 0 ? true : undefined),
      30_000,
    )

  beforeAll(async () => {
    gw = await startTestGateway({
      feeds: {
        readiness_interval_ms: 100,
        late_history: { settle_ms: 300, late_after_ms: 60_000, max_cabinets_per_tick: 1 },
      },
    })
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('collects once after the recompute of many, not after a few cabinets back from a network drop', async () => {
    const few = Array.from({ length: MANY_TICKS - 1 }, (_, i) => `BKK-1001-03${String(i).padStart(2, '0')}`)
    await late(few)
    expect(await metric('aedgw_late_history_pending_cabinets')).toBeGreaterThan(0)
    await settled()
    await new Promise((r) => setTimeout(r, RELEASE_WAIT_MS))
    expect(await metric('aedgw_heap_release_pause_seconds_count')).toBe(0)
    expect(await metric('aedgw_heap_release_pending')).toBe(0)

    const many = Array.from({ length: MANY_TICKS }, (_, i) => `BKK-1001-04${String(i).padStart(2, '0')}`)
    await late(many)
    await settled()
    await eventually(
      async () => ((await metric('aedgw_heap_release_pause_seconds_count')) === 1 ? true : undefined),
      RELEASE_WAIT_MS + 5_000,
    )
    expect(await metric('aedgw_heap_release_pending')).toBe(0)
  }, 90_000)
})
