import { Worker } from 'node:worker_threads'

/**
 * A worker thread's young generation: 6 MB (2 MB semi-spaces) instead of the 48 MB V8 lets every
 * isolate grow to on a 64-bit machine. The outbox's threads allocate in short bursts (a batch
 * read back, its request body); at V8's default the thread that drained a 14-day backfill kept
 * 32 MB of young generation resident afterwards, at this size 1 MB, for the same stored rate
 * (docs/performance.md). A V8 flag such as `--max-semi-space-size` would override this for
 * every thread: the gateway is started without one.
 */
export const WORKER_LIMITS = { maxYoungGenerationSizeMb: 6 }

/**
 * Starts a worker thread from a module next to the caller. Run from TypeScript sources (tsx,
 * vitest), the worker registers tsx's loader first, since loader hooks of the main thread do not
 * reach worker threads on Node 20; run from the build, it loads the compiled .js directly.
 */
export function spawnModuleWorker(tsUrl: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL(tsUrl.href.replace(/\.ts$/, '.js')), {
      workerData,
      resourceLimits: WORKER_LIMITS,
    })
  }
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(tsUrl.href)}) })`
  return new Worker(code, { eval: true, workerData, resourceLimits: WORKER_LIMITS })
}
