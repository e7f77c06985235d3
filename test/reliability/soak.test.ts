import { afterAll, describe, expect, it } from 'vitest'
import { runSoak } from '../../scripts/soak.ts'
import { influxUrl } from '../helpers/influx.ts'
import { record, render } from './report.ts'
import { budget, SCALE } from './scale.ts'

describe('soak: connection churn and steady load', () => {
  afterAll(() => {
    render()
  })

  it(
    `returns to its baseline of connections and file descriptors after ${Math.round(SCALE.soakMs / 1000)} s of churn and load`,
    async () => {
      const r = await runSoak({ durationMs: SCALE.soakMs, influxUrl: influxUrl() })
      record(
        'soak',
        'connection churn and steady load (child gateway)',
        {
          duration_s: r.duration_s,
          messages_acked: r.acked,
          refused: r.refused,
          connects_failed: r.connects_failed,
          connections_churned: r.connections_churned,
          connected_start: r.baseline.connected,
          connected_end: r.end.connected,
          fds_start: r.baseline.fds,
          fds_end: r.end.fds,
          rss_start_mb: r.baseline.rss_mb,
          rss_peak_mb: r.peak.rss_mb,
          rss_end_mb: r.end.rss_mb,
          heap_start_mb: r.baseline.heap_mb,
          heap_end_mb: r.end.heap_mb,
        },
        [
          `samples (t s: rss MB / heap MB / fds / connected): ${r.samples.map((s) => `${s.t_s}: ${s.rss_mb}/${s.heap_mb}/${s.fds}/${s.connected}`).join(', ')}`,
        ],
      )
      expect(r.connections_churned).toBeGreaterThan(10)
      // the steady cabinets stay within their publish rate and the churners within their connect
      // rate: the gateway has no reason to refuse either
      expect(r.refused).toBe(0)
      expect(r.connects_failed).toBe(0)
      expect(r.end.connected).toBe(r.baseline.connected)
      expect(r.end.fds).toBeLessThanOrEqual(r.baseline.fds + 5)
      // heap is sampled without forcing a GC in the child: a generous bound, for leaks that grow
      expect(r.end.heap_mb).toBeLessThan(r.baseline.heap_mb + 100)
    },
    budget(SCALE.soakMs, 180_000),
  )
})
