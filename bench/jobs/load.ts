import type { ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import hdr from 'hdr-histogram-js'
import { spawnTs, stdoutLines, stopChild } from '../../scripts/lib/processes.ts'
import { type Cred, LOADERS, SECONDS, sourceAddress, WINDOW } from '../settings.ts'

export interface LoadResult {
  acked: number
  errors: number
  published: number
  /** Published but neither acknowledged nor failed a few seconds after the load stopped. */
  unanswered: number
  seconds: number
  p50_us: number
  p99_us: number
  max_us: number
  /** When the load started (epoch ms, the earliest process). */
  startedMs: number
  /** Heartbeats published per 100 ms from `startedMs`, all processes. */
  timeline: number[]
  /** Acknowledged seqs per cabinet id (with `keepAcked`). */
  ackedSeqs: Map<string, number[]>
}

export interface LoadOptions {
  /** A window of heartbeats in flight per cabinet, or `rate:N` heartbeats a second in all. */
  mode?: string
  seconds?: number
  /** `ts` of seq 0 (epoch ms): each load its own time range in InfluxDB. */
  tsBase?: number
  keepAcked?: boolean
  /** Called once every load process has connected its cabinets and starts publishing. */
  onPublishing?: () => void
}

interface WorkerOut {
  acked: number
  errors: number
  published: number
  unanswered: number
  seconds: number
  started_ms: number
  timeline: number[]
  hist: string
}

function startWorkers(
  url: string,
  creds: Cred[],
  dir: string,
  args: (i: number) => string[],
  source: (i: number) => string = (i) => sourceAddress(i, LOADERS, creds.length),
): ChildProcess[] {
  return Array.from({ length: LOADERS }, (_, i) => {
    const file = join(dir, `creds-${i}.json`)
    writeFileSync(file, JSON.stringify(creds.filter((_, k) => k % LOADERS === i)))
    return spawnTs(
      'bench/load-worker.ts',
      [url, file, ...args(i).slice(0, 2), source(i), ...args(i).slice(2)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
  })
}

/**
 * Runs LOADERS load processes (bench/load-worker.ts) against `url`, the cabinets shared out
 * between them (and over source addresses when there are many), a `rate:N` split evenly. Sums
 * their counts and merges their HDR histograms and publish timelines.
 */
export async function runLoad(
  url: string,
  creds: Cred[],
  dir: string,
  o: LoadOptions = {},
): Promise<LoadResult> {
  const mode = o.mode ?? String(WINDOW)
  const perProcess = mode.startsWith('rate:') ? `rate:${Number(mode.slice(5)) / LOADERS}` : mode
  const seconds = String(o.seconds ?? SECONDS)
  const outs = Array.from({ length: LOADERS }, (_, i) => (o.keepAcked ? join(dir, `acked-${i}.json`) : ''))
  const tsBase = String(o.tsBase ?? Date.UTC(2026, 0, 1))
  const children = startWorkers(url, creds, dir, (i) => [seconds, perProcess, outs[i] as string, tsBase])
  const its = children.map(stdoutLines)
  for (const it of its) await it.next() // connected
  o.onPublishing?.()
  const results = await Promise.all(
    its.map(async (it) => JSON.parse((await it.next()).value as string) as WorkerOut),
  )
  const hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  })
  for (const r of results) hist.add(hdr.decodeFromCompressedBase64(r.hist))
  const startedMs = Math.min(...results.map((r) => r.started_ms))
  const timeline: number[] = []
  for (const r of results) {
    const shift = Math.round((r.started_ms - startedMs) / 100)
    r.timeline.forEach((n, k) => {
      timeline[k + shift] = (timeline[k + shift] ?? 0) + n
    })
  }
  const ackedSeqs = new Map<string, number[]>()
  for (const file of outs) {
    if (!file) continue
    const a = JSON.parse(readFileSync(file, 'utf8')) as { ids: string[]; acked: number[][] }
    for (const [k, id] of a.ids.entries()) ackedSeqs.set(id, a.acked[k] ?? [])
  }
  const sum = (f: (r: WorkerOut) => number) => results.reduce((n, r) => n + f(r), 0)
  return {
    acked: sum((r) => r.acked),
    errors: sum((r) => r.errors),
    published: sum((r) => r.published),
    unanswered: sum((r) => r.unanswered),
    seconds: Math.max(...results.map((r) => r.seconds)),
    p50_us: hist.getValueAtPercentile(50),
    p99_us: hist.getValueAtPercentile(99),
    max_us: hist.maxValue,
    startedMs,
    timeline: Array.from(timeline, (n) => n ?? 0),
    ackedSeqs,
  }
}

export interface IdleConnections {
  connected: number
  release(): Promise<void>
}

/**
 * Opens `creds.length` connections that publish nothing, held until `release()`. Group `group`
 * (0, 1, …) of connections held at once: each of its LOADERS processes connects from its own
 * source address, 127.0.0.{2 + group × LOADERS + i}, so no address runs out of ephemeral ports
 * (about 28,000 here) however many groups are held.
 */
export async function holdIdle(url: string, creds: Cred[], dir: string, group = 0): Promise<IdleConnections> {
  const children = startWorkers(
    url,
    creds,
    dir,
    () => ['0', 'idle'],
    (i) => `127.0.0.${2 + ((group * LOADERS + i) % 250)}`,
  )
  let connected = 0
  for (const c of children) {
    const line = (await stdoutLines(c).next()).value as string | undefined
    connected += line ? (JSON.parse(line) as { connected: number }).connected : 0
  }
  return { connected, release: async () => void (await Promise.all(children.map((c) => stopChild(c)))) }
}
