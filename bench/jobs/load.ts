import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnTs, stdoutLines } from '../../scripts/lib/processes.ts'
import { type Cred, LOADERS, SECONDS, WINDOW } from '../settings.ts'

export interface LoadResult {
  acked: number
  errors: number
  seconds: number
  p50_us: number
  p99_us: number
  max_us: number
}

/**
 * Runs LOADERS load processes (bench/load-worker.ts) against `url`, the cabinets shared out
 * between them; `mode` is a window of heartbeats in flight per cabinet or `rate:N` per process.
 * Sums their counts; the latencies are the worst of the processes'.
 */
export async function runLoad(
  url: string,
  creds: Cred[],
  dir: string,
  mode = String(WINDOW),
): Promise<LoadResult> {
  const its: AsyncIterableIterator<string>[] = []
  for (let i = 0; i < LOADERS; i++) {
    const file = join(dir, `creds-${i}.json`)
    writeFileSync(file, JSON.stringify(creds.filter((_, k) => k % LOADERS === i)))
    const child = spawnTs('bench/load-worker.ts', [url, file, String(SECONDS), mode, ''], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    its.push(stdoutLines(child))
  }
  for (const it of its) await it.next() // ready
  const results = await Promise.all(
    its.map(async (it) => JSON.parse((await it.next()).value as string) as LoadResult),
  )
  return {
    acked: results.reduce((n, r) => n + r.acked, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    seconds: Math.max(...results.map((r) => r.seconds)),
    p50_us: Math.max(...results.map((r) => r.p50_us)),
    p99_us: Math.max(...results.map((r) => r.p99_us)),
    max_us: Math.max(...results.map((r) => r.max_us)),
  }
}
