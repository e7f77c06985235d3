import { Session } from 'node:inspector'
import { isMainThread } from 'node:worker_threads'

/**
 * Preloaded into the gateways the benchmark starts (`--import`, plain JavaScript since it loads
 * before tsx): on SIGUSR2 the main isolate collects all the garbage it can, as DevTools' "collect
 * garbage" button does (HeapProfiler.collectGarbage: full collections that also shrink the heap),
 * so memory readings taken after it do not depend on when V8 last collected or whether its
 * memory reducer has run yet. Nothing else changes in the gateway.
 */
if (isMainThread) {
  process.on('SIGUSR2', () => {
    const session = new Session()
    session.connect()
    // disconnecting inside the callback deadlocks the main thread (Node 20): a turn later
    session.post('HeapProfiler.collectGarbage', () => setImmediate(() => session.disconnect()))
  })
}
