import { Session } from 'node:inspector'
import type { Logger } from 'pino'
import type { Metrics } from './metrics.ts'

/** Quiet sweeps (the broker's, REAP_INTERVAL_MS apart) after a burst before the heap is given back. */
const QUIET_SWEEPS = 2

/**
 * Gives the heap a burst of work grew back to the system once the burst is over. While thousands
 * of messages wait for their commit (a fleet's backfill, the recovery after an outage), V8
 * promotes them and grows old space to several hundred MB; while the late-history recompute
 * replays hundreds of cabinets from InfluxDB, it grows the young generation to its full 32 MB.
 * Afterwards V8 keeps those pages, and its own memory reducer waits for an idle process, which
 * live traffic never leaves it (docs/performance.md). So once a burst is over and the broker's
 * sweeps found QUIET_SWEEPS times in a row that back-pressure held no one, the main isolate
 * collects all it can, once, as DevTools' "collect garbage" does (HeapProfiler.collectGarbage
 * over an in-process inspector session, no --inspect port): a pause of a few hundred
 * milliseconds after a burst, never during one. The bursts: back-pressure that held connections
 * (`sweep`), and a late-history recompute of many cabinets that has finished (`request`).
 * `aedgw_heap_release_pending` says one is due, `aedgw_heap_release_pause_seconds` how long each
 * stopped the main thread (an event arriving then waits that long).
 */
export class HeapRelease {
  private readonly log: Logger
  private readonly metrics: Metrics
  private closings = 0
  /** What the release is due for; null: nothing is. */
  private due: string | null = null
  private quiet = 0

  constructor(log: Logger, metrics: Metrics) {
    this.log = log
    this.metrics = metrics
  }

  /** Called on every broker sweep with the gate's closings so far and whether it holds anyone. */
  sweep(closings: number, holding: boolean): void {
    if (closings !== this.closings || holding) {
      this.closings = closings
      this.request('backlog over')
      return
    }
    const due = this.due
    if (due === null || ++this.quiet < QUIET_SWEEPS) return
    this.due = null
    this.release(due)
    this.metrics.heapReleasePending.set(0)
  }

  /** A burst of work other than a backlog is over (`reason`, logged): release after the quiet sweeps. */
  request(reason: string): void {
    this.due = reason
    this.quiet = 0
    this.metrics.heapReleasePending.set(1)
  }

  private release(reason: string): void {
    const before = process.memoryUsage()
    const started = performance.now()
    let session: Session
    try {
      session = new Session()
      session.connect()
    } catch {
      return // a Node built without the inspector: V8's own reducer has to do
    }
    session.post('HeapProfiler.collectGarbage', () => {
      const pause = performance.now() - started
      this.metrics.heapReleasePause.observe(pause / 1000)
      // disconnecting inside this callback deadlocks the main thread (Node 20): a turn later
      setImmediate(() => session.disconnect())
      const after = process.memoryUsage()
      const mib = (b: number) => Math.round(b / 2 ** 20)
      this.log.info(
        {
          rss_mib: [mib(before.rss), mib(after.rss)],
          heap_total_mib: [mib(before.heapTotal), mib(after.heapTotal)],
          pause_ms: Math.round(pause),
        },
        `${reason}: heap collected and returned`,
      )
    })
  }
}
