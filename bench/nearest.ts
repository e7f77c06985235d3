import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../gateway/config/load.ts'
import { Coverage } from '../gateway/coverage/coverage.ts'
import { OpeningHoursEvaluator } from '../gateway/feeds/healthmap/opening-hours.ts'
import { createLogger } from '../gateway/lib/logger.ts'
import type { Registration } from '../gateway/protocol/registration.ts'
import { SUBDISTRICTS } from '../gateway/protocol/subdistricts.ts'
import type { Cabinet } from '../gateway/registry/registry.ts'
import type { Readiness } from '../gateway/rules/readiness.ts'

/**
 * `tsx bench/nearest.ts` (also part of `npm run bench`): the nearest-AED index over a city of
 * registered cabinets. Measures the p99 of a nearest query (goal ≤ 5 ms at 100,000 cabinets) and
 * what keeping the index current costs under a storm of readiness changes.
 * Env: BENCH_NEAREST_CABINETS (100000), BENCH_NEAREST_QUERIES (20000), BENCH_NEAREST_STORM (50000).
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CABINETS = Number(process.env.BENCH_NEAREST_CABINETS ?? 100_000)
const QUERIES = Number(process.env.BENCH_NEAREST_QUERIES ?? 20_000)
const STORM = Number(process.env.BENCH_NEAREST_STORM ?? 50_000)
const STORM_BATCH = 1000

// deterministic: mulberry32
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = prng(1669)
const HOURS = ['24/7', 'Mo-Fr 08:00-17:00', 'Mo-Su 06:00-22:00', 'Mo-Sa 09:00-20:00']
const ACCESS = ['yes', 'yes', 'yes', 'permissive', 'customers', 'private'] as const

/** A cabinet within ~1.5 km of a random subdistrict point. */
function cabinet(i: number): Cabinet {
  const s = SUBDISTRICTS[Math.floor(rand() * SUBDISTRICTS.length)] as (typeof SUBDISTRICTS)[number]
  const reg: Registration = {
    id: `BENCH-${String(i).padStart(6, '0')}`,
    name: `Cabinet ${i}`,
    lat: s.lat + (rand() - 0.5) * 0.027,
    lon: s.lon + (rand() - 0.5) * 0.027,
    district_code: s.district_code,
    access: ACCESS[Math.floor(rand() * ACCESS.length)],
    opening_hours: HOURS[Math.floor(rand() * HOURS.length)],
  }
  return {
    registration: reg,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    retired: false,
  }
}

function quantiles(us: number[]): { p50_ms: number; p99_ms: number; max_ms: number } {
  const s = [...us].sort((a, b) => a - b)
  const q = (p: number) => (s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) / 1000
  return {
    p50_ms: Number(q(0.5).toFixed(3)),
    p99_ms: Number(q(0.99).toFixed(3)),
    max_ms: Number(q(1).toFixed(3)),
  }
}

export async function runNearestBench(): Promise<{ report: Record<string, unknown>; md: string }> {
  const config = loadConfig({}, {}).coverage
  const list = Array.from({ length: CABINETS }, (_, i) => cabinet(i))
  const byId = new Map(list.map((c) => [c.registration.id, c]))
  const readiness = new Map<string, Readiness>()
  for (const c of list) readiness.set(c.registration.id, rand() < 0.9 ? 'ready' : 'not_ready')
  // Tuesday 10:00 in Bangkok: most opening hours open
  const now = Date.UTC(2026, 2, 10, 3, 0)
  let written = 0
  const coverage = new Coverage({
    config,
    registry: { list: () => list, get: (id) => byId.get(id), size: () => list.length },
    readinessOf: (id) => ({ readiness: readiness.get(id) ?? 'unknown' }),
    openingHours: new OpeningHoursEvaluator(),
    clock: () => now,
    log: createLogger('silent'),
    outbox: { append: async () => void written++ },
  })

  let t = performance.now()
  coverage.refreshAll()
  const buildMs = performance.now() - t
  const usableAtStart = coverage.usableCount()
  // the periodic re-check of every cabinet (opening hours, time-based rules), registry unchanged
  t = performance.now()
  coverage.refreshAll()
  const refreshMs = performance.now() - t

  const queryUs: number[] = []
  let answered = 0
  for (let i = 0; i < QUERIES; i++) {
    const s = SUBDISTRICTS[Math.floor(rand() * SUBDISTRICTS.length)] as (typeof SUBDISTRICTS)[number]
    const lat = s.lat + (rand() - 0.5) * 0.03
    const lon = s.lon + (rand() - 0.5) * 0.03
    t = performance.now()
    answered += coverage.nearest(lat, lon, 5, 2000).length
    queryUs.push((performance.now() - t) * 1000)
  }

  // the storm: batches of readiness changes (half fail, half recover) applied as the stage does,
  // each batch followed by a district coverage recompute and its writes
  const ids = list.map((c) => c.registration.id)
  const flushUs: number[] = []
  let changes = 0
  t = performance.now()
  for (let done = 0; done < STORM; done += STORM_BATCH) {
    for (let i = 0; i < STORM_BATCH; i++) {
      const id = ids[Math.floor(rand() * ids.length)] as string
      readiness.set(id, readiness.get(id) === 'ready' ? 'in_use' : 'ready')
      coverage.touch(id)
      changes++
    }
    const f = performance.now()
    coverage.flush()
    flushUs.push((performance.now() - f) * 1000)
  }
  const stormMs = performance.now() - t
  const flush = quantiles(flushUs)
  const query = quantiles(queryUs)

  const report = {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    cabinets: CABINETS,
    usable_at_start: usableAtStart,
    index_build_and_full_refresh_ms: Number(buildMs.toFixed(1)),
    full_refresh_ms: Number(refreshMs.toFixed(1)),
    nearest: {
      queries: QUERIES,
      limit: 5,
      max_m: 2000,
      mean_answers: Number((answered / QUERIES).toFixed(2)),
      ...query,
    },
    readiness_storm: {
      changes,
      batch: STORM_BATCH,
      changes_per_s: Math.round(changes / (stormMs / 1000)),
      us_per_change: Number(((stormMs * 1000) / changes).toFixed(2)),
      flush_p50_ms: flush.p50_ms,
      flush_p99_ms: flush.p99_ms,
      coverage_points_written: written,
    },
  }
  const md = `# Nearest-AED benchmark ${report.date}

Machine: ${report.machine.cores} cores, ${report.machine.memory_gib} GiB, Node ${report.machine.node}. In process, no I/O.
${CABINETS} registered cabinets around Bangkok's subdistrict points (${report.usable_at_start} usable at 10:00 Bangkok time).

| | value |
| --- | ---: |
| index build + full usability refresh | ${report.index_build_and_full_refresh_ms} ms |
| periodic full refresh (every cabinet re-checked, registry unchanged) | ${report.full_refresh_ms} ms |
| nearest query (limit 5, max 2 km): p50 / p99 / max | ${query.p50_ms} / **${query.p99_ms}** / ${query.max_ms} ms (goal p99 ≤ 5 ms) |
| readiness storm: ${changes} changes in batches of ${STORM_BATCH} | ${report.readiness_storm.changes_per_s} changes/s, ${report.readiness_storm.us_per_change} µs each |
| one batch applied (flags + district coverage + writes): p50 / p99 | ${flush.p50_ms} / ${flush.p99_ms} ms |
`
  return { report, md }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { report, md } = await runNearestBench()
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  const stamp = String(report.date).replace(/[:.]/g, '-')
  writeFileSync(
    join(ROOT, 'bench', 'results', `nearest-${stamp}.json`),
    `${JSON.stringify(report, null, 2)}\n`,
  )
  writeFileSync(join(ROOT, 'bench', 'results', 'nearest-latest.md'), md)
  process.stdout.write(md)
}
