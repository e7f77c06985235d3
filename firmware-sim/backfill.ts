import type { Clock } from './clock.ts'
import { dispatch, type SimCabinet } from './runtime.ts'
import type { SimStats } from './stats.ts'

export interface BackfillResult {
  /** Messages of history queued (heartbeats and events). */
  messages: number
  /** Wall-clock seconds until every one was acknowledged (or the wait gave up). */
  seconds: number
  complete: boolean
}

/**
 * Publishes the history each model lived through between its start (days ago) and now, at a
 * coarse heartbeat interval, with the original past timestamps; each link paces itself under the
 * gateway's per-cabinet rate, so this runs as fast as the gateway acknowledges. Afterwards the
 * models go on live from where the history ended, at their normal interval.
 */
export async function backfill(
  cabinets: readonly SimCabinet[],
  opts: {
    clock: Clock
    stats: SimStats
    intervalS: number
    timeoutMs?: number
    onProgress?: (acked: number, total: number) => void
  },
): Promise<BackfillResult> {
  const started = performance.now()
  const ackedBefore = opts.stats.acked
  const now = opts.clock()
  let messages = 0
  for (const cab of cabinets) {
    cab.model.setInterval(opts.intervalS)
    for (const out of cab.model.advance(now)) {
      if (out.kind === 'heartbeat' || out.kind === 'event') messages++
      dispatch(cab, out, { history: true })
    }
    cab.model.setInterval(cab.spec.intervalS)
  }
  const deadline = performance.now() + (opts.timeoutMs ?? 600_000)
  let complete = false
  while (performance.now() < deadline) {
    opts.onProgress?.(opts.stats.acked - ackedBefore, messages)
    if (cabinets.every((c) => c.link.backlog === 0)) {
      complete = true
      break
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { messages, seconds: (performance.now() - started) / 1000, complete }
}
