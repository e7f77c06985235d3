import { afterAll, describe, expect, it } from 'vitest'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { publishOutcome } from './arena.ts'
import { record, render } from './report.ts'

const HOUR = 3_600_000

/**
 * REGRESSION (found by this suite, fixed since): the gateway measures intervals with its wall clock (`deps.clock`, Date.now in
 * production), so a backward step (NTP correcting a clock that ran fast, a restored VM snapshot)
 * turns elapsed time negative:
 * - store/writer.ts, run(): `age = clock() - first.recv_ms` is negative for rows received before
 *   the step, and `sleep(flush_interval_ms - age, false)` sleeps for the whole step, unwakeable:
 *   nothing reaches InfluxDB for an hour after a one-hour step, while /readyz says healthy;
 * - broker/limits.ts, RateLimiter.take(): the refill `(now - b.at) / 1000 * perSecond` goes
 *   negative and drains the bucket: every connected cabinet's next publish is refused and its
 *   connection closed without a PUBACK;
 * A monotonic clock (performance.now) for intervals, or clamping elapsed time at 0, avoids both.
 */
describe('regression: a clock that jumps backward', () => {
  afterAll(() => {
    render()
  })

  it('keeps writing to InfluxDB after the gateway clock steps back an hour', async () => {
    let offset = 0
    const gw = await startTestGateway({ influx: { flush_interval_ms: 1000 } }, () => Date.now() + offset)
    try {
      const c = await gw.connect('JUMPW-0001', await gw.register('JUMPW-0001'))
      // both acknowledged before the step, so the rate limiter's own trouble with it (below)
      // does not interfere; the writer holds them for flush_interval_ms, then sees the step
      await c.publishAsync(cabinetTopic('JUMPW-0001', 'heartbeat'), heartbeat(1), { qos: 1 })
      await c.publishAsync(cabinetTopic('JUMPW-0001', 'heartbeat'), heartbeat(2), { qos: 1 })
      offset -= HOUR
      const stored = await eventually(async () => {
        const r = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = 'JUMPW-0001'`)
        return r.length === 2 ? r.length : undefined
      }, 20_000).catch(async () => (await influxRows(gw.db, `SELECT seq FROM heartbeat`)).length)
      const depth = (await gw.api('GET', '/readyz')).json.outbox.depth
      record('bugs found', 'writer after a one-hour backward clock step', {
        acked_before_step: 2,
        stored_within_20_s: stored,
        outbox_depth: depth,
      })
      expect(stored).toBe(2)
    } finally {
      // bounded: see whether stop() itself waits out the step
      const stopped = await Promise.race([
        gw.stop().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 15_000).unref()),
      ])
      record('bugs found', 'graceful stop after a one-hour backward clock step', {
        stopped_within_15_s: stopped,
      })
    }
  }, 90_000)

  it('still acknowledges a connected cabinet’s next message after the clock steps back an hour', async () => {
    let offset = 0
    const gw = await startTestGateway({}, () => Date.now() + offset)
    try {
      const c = await gw.connect('JUMPR-0001', await gw.register('JUMPR-0001'))
      await c.publishAsync(cabinetTopic('JUMPR-0001', 'heartbeat'), heartbeat(1), { qos: 1 })
      offset -= HOUR
      const outcome = await publishOutcome(c, cabinetTopic('JUMPR-0001', 'heartbeat'), heartbeat(2))
      record('bugs found', 'rate limiter after a one-hour backward clock step', {
        next_publish: outcome,
      })
      expect(outcome).toBe('acked')
    } finally {
      await gw.stop()
    }
  })
})
