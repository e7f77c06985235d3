import { afterAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { publishOutcome } from './arena.ts'
import { record, render } from './report.ts'

const HOUR = 3_600_000

/**
 * The gateway's clock jumping forward (an NTP step, a VM resumed after a pause). Backward jumps
 * are in regression-clock-jump.test.ts. Points keep the device's time and redeliveries are named by
 * the device's (boot, seq, ts), so storing once must not depend on the gateway's clock.
 */
describe('a clock that jumps forward', () => {
  afterAll(() => {
    render()
  })

  it('stores every heartbeat once across forward jumps, and the rate limiter refills to its burst, never past it', async () => {
    let offset = 0
    const gw = await startTestGateway(
      {
        mqtt: {
          rate: { per_second: 1, burst: 5 },
        },
      },
      () => Date.now() + offset,
    )
    try {
      const secret = await gw.register('CLOCK-0001')
      const c = await gw.connect('CLOCK-0001', secret)
      const topic = cabinetTopic('CLOCK-0001', 'heartbeat')
      const acked: number[] = []
      for (let seq = 1; seq <= 3; seq++) {
        await c.publishAsync(topic, heartbeat(seq), { qos: 1 })
        acked.push(seq)
      }
      offset += HOUR
      // the same heartbeat again after the jump (a redelivery) and new ones
      await c.publishAsync(topic, heartbeat(3), { qos: 1 })
      for (let seq = 4; seq <= 5; seq++) {
        await c.publishAsync(topic, heartbeat(seq), { qos: 1 })
        acked.push(seq)
      }
      offset += 2 * HOUR
      // a forward jump refills the bucket to its burst, never past it
      let accepted = 0
      for (let seq = 6; seq <= 20; seq++) {
        if ((await publishOutcome(c, topic, heartbeat(seq))) !== 'acked') break
        acked.push(seq)
        accepted++
      }
      expect(accepted).toBeLessThanOrEqual(5)
      expect(accepted).toBeGreaterThan(0)

      const rows = await eventually(async () => {
        const r = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = 'CLOCK-0001'`)
        return r.length >= acked.length ? r : undefined
      })
      const seqs = rows.map((r) => r.seq as number).sort((a, b) => a - b)
      expect(seqs).toEqual([...acked].sort((a, b) => a - b))
      record('faults', 'clock jumps forward (1 h, 2 h, 10 min)', {
        acked: acked.length,
        stored: seqs.length,
        lost: acked.filter((s) => !seqs.includes(s)).length,
        duplicates: seqs.length - new Set(seqs).size,
        burst_after_day_jump: accepted,
      })
    } finally {
      await gw.stop()
    }
  })
})
