import { Worker } from 'node:worker_threads'

/**
 * Starts a worker thread from a module next to the caller. Run from TypeScript sources (tsx,
 * vitest), the worker registers tsx's loader first, since loader hooks of the main thread do not
 * reach worker threads on Node 20; run from the build, it loads the compiled .js directly.
 */
export function spawnModuleWorker(tsUrl: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL(tsUrl.href.replace(/\.ts$/, '.js')), { workerData })
  }
  const tsxApi = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(tsUrl.href)}) })`
  return new Worker(code, { eval: true, workerData })
}
