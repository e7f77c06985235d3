import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * Child processes, ports and readiness waits, shared by the demo, the benchmark, the soak and the
 * tests: each of them runs real processes (the gateway, influxd, load generators) and must start,
 * watch and stop them the same way.
 */

/** The repository root: the working directory of every TypeScript child. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Node flags added for one run, space-separated (e.g. `--trace-gc` while profiling):
 * AEDGW_NODE_FLAGS. The gateway runs with none, as `npm start` does: V8's own young generation
 * (16 MB semi-spaces on a 64-bit machine) for the main thread, a smaller one its worker threads
 * set themselves (gateway/lib/worker.ts), which a `--max-semi-space-size` flag would override.
 */
const EXTRA_NODE_FLAGS = (process.env.AEDGW_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')
export const GATEWAY_ENTRY = 'gateway/main.ts'
/** The compiled gateway, as `npm start` runs it (buildGateway, `npm run build`). */
export const GATEWAY_BUILD = 'dist/gateway/main.js'

let built: Promise<void> | null = null
/**
 * Compiles the gateway's sources (gateway/) into dist/gateway, one .js file per .ts file, with
 * esbuild (a runtime dependency, so an install without dev dependencies can still start it): a
 * transform only, about a second; type checking is `npm run check`'s. Once per process.
 * `npm start`, the demo and the benchmark run the compiled gateway: under tsx, the loader's own
 * threads and the transformed sources cost about 110 MB resident (docs/performance.md).
 */
export function buildGateway(): Promise<void> {
  built ??= compile()
  return built
}

async function compile(): Promise<void> {
  const sources = readdirSync(join(ROOT, 'gateway'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(ROOT, 'gateway', f))
  await build({
    entryPoints: sources,
    outdir: join(ROOT, 'dist', 'gateway'),
    outbase: join(ROOT, 'gateway'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
    // bundle mode only so that every import passes through the plugin: each stays an import,
    // a relative one of ./x.ts becoming ./x.js
    bundle: true,
    plugins: [
      {
        name: 'imports-stay',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) =>
            args.kind === 'entry-point'
              ? undefined
              : { path: args.path.replace(/^(\.\.?\/.*)\.ts$/, '$1.js'), external: true },
          )
        },
      },
    ],
  })
}

/**
 * glibc's malloc arenas, as `npm start` sets them unless MALLOC_ARENA_MAX is given: 2 instead of
 * up to 8 per core. Every thread of the gateway (main, the outbox's two, libuv's pool) would
 * otherwise get an arena of its own, each keeping what it once held; with 2 the gateway kept less
 * after a 14-day backfill, for the same stored rate (docs/performance.md).
 */
export const MALLOC_ARENAS = '2'

/** The gateway's environment: `env` with the malloc arenas `npm start` sets unless it sets them. */
function gatewayEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_ARENA_MAX: MALLOC_ARENAS, ...env }
}

/** Runs the compiled gateway (buildGateway first) as `npm start` does. */
export async function spawnGateway(opts: TsChildOptions = {}): Promise<ChildProcess> {
  await buildGateway()
  return spawn(process.execPath, [...EXTRA_NODE_FLAGS, GATEWAY_BUILD], {
    cwd: ROOT,
    env: gatewayEnv(opts.env ?? process.env),
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
  })
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

/** Whether `port` on 127.0.0.1 can be bound now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

export interface TsChildOptions {
  /** The child's whole environment; this process's by default. */
  env?: NodeJS.ProcessEnv
  stdio?: SpawnOptions['stdio']
}

/**
 * Runs one of the repository's TypeScript entry points in its own Node process through tsx, from
 * the repository root; the gateway's entry point gets AEDGW_NODE_FLAGS and the malloc arenas
 * `npm start` sets.
 */
export function spawnTs(script: string, args: string[] = [], opts: TsChildOptions = {}): ChildProcess {
  const gateway = script === GATEWAY_ENTRY
  const env = opts.env ?? process.env
  return spawn(process.execPath, [...(gateway ? EXTRA_NODE_FLAGS : []), '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: gateway ? gatewayEnv(env) : env,
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
  })
}

/** Keeps the last `limit` characters of what a child writes on stdout and stderr. */
export function captureOutput(child: ChildProcess, limit = 200_000): () => string {
  let out = ''
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-limit)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return () => out
}

/** The child's stdout, line by line. */
export function stdoutLines(child: ChildProcess): AsyncIterableIterator<string> {
  return createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
}

/** Resolves with the exit code (or the signal's name) once the child has exited. */
export function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.exitCode ?? child.signalCode ?? 'unknown')
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')))
}

export interface WaitHttpOptions {
  timeoutMs?: number
  intervalMs?: number
  /** The status that means ready; any 2xx when omitted. */
  status?: number
  /** Fails at once when this process exits while we wait. */
  child?: ChildProcess
  /** What the error message adds when the wait fails (the child's output, where its log is). */
  detail?: () => string
}

/** Polls `url` until it answers; throws when the time is up or the watched child exits first. */
export async function waitHttp(url: string, opts: WaitHttpOptions = {}): Promise<void> {
  const { timeoutMs = 30_000, intervalMs = 100, status, child, detail = () => '' } = opts
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null))
      throw new Error(
        `process exited (${child.exitCode ?? child.signalCode}) before ${url} answered${detail()}`,
      )
    const ready = await fetch(url).then(
      async (res) => {
        await res.body?.cancel()
        return status === undefined ? res.ok : res.status === status
      },
      () => false, // not listening yet
    )
    if (ready) return
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms${detail()}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = exitOf(child)
  child.kill('SIGTERM')
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(killer)
}
