import { Session } from 'node:inspector'
import type { Logger } from 'pino'
import type { Metrics } from '../lib/metrics.ts'

/** Quiet sweeps (REAP_INTERVAL_MS apart) after a backlog before the heap is given back. */
const QUIET_SWEEPS = 2

/**
 * Gives the heap a backlog grew back to the system once the backlog is over. While thousands of
 * messages wait for their commit (a fleet's backfill, the recovery after an outage), V8 promotes
 * them and grows old space to several hundred MB; afterwards it keeps those pages, and its own
 * memory reducer waits for an idle process, which live traffic and the late-history recompute
 * never leave it (docs/performance.md). So once back-pressure has held connections back and then
 * stayed open for QUIET_SWEEPS sweeps, the main isolate collects all it can, once, as DevTools'
 * "collect garbage" does (HeapProfiler.collectGarbage over an in-process inspector session, no
 * --inspect port): a pause of a few hundred milliseconds after a backlog, never during one.
 * `aedgw_heap_release_pending` says one is due, `aedgw_heap_release_pause_seconds` how long each
 * stopped the main thread (an event arriving then waits that long).
 */
export class HeapRelease {
  private readonly log: Logger
  private readonly metrics: Metrics
  private closings = 0
  private backlog = false
  private quiet = 0

  constructor(log: Logger, metrics: Metrics) {
    this.log = log
    this.metrics = metrics
  }

  /** Called on every broker sweep with the gate's closings so far and whether it holds anyone. */
  sweep(closings: number, holding: boolean): void {
    if (closings !== this.closings || holding) {
      this.closings = closings
      this.backlog = true
      this.quiet = 0
      this.metrics.heapReleasePending.set(1)
      return
    }
    if (!this.backlog || ++this.quiet < QUIET_SWEEPS) return
    this.backlog = false
    this.release()
    this.metrics.heapReleasePending.set(0)
  }

  private release(): void {
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
        'backlog over: heap collected and returned',
      )
    })
  }
}
