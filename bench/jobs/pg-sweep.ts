/**
 * `npm run bench -- --pg-sweep`: the cost of one worker-mode rule sweep round (the lease holder's
 * periodic evaluation of every cabinet, gateway/alerts/postgres/sweep.ts) against fleet size, on a
 * throwaway PostgreSQL 15. Measured, not tested.
 *
 * Each fleet is a quiet city: every cabinet heartbeating, with a fortnight of hourly battery
 * samples in its saved state as a running worker keeps them, spread over 50 districts; 1 in 1,000
 * has its door open (an alert to open in the first round). For each size, rounds with the
 * lock-free filter (what the worker runs), and, as the baseline in the same run, rounds that give
 * every cabinet its transaction (what the sweep did before the filter), up to
 * BENCH_SWEEP_BASELINE_MAX cabinets. The first round opens the door alerts; the figure is the
 * median of the rounds after it.
 *
 * Then, on the largest fleet, what a worker's ingest costs PostgreSQL when almost every message is
 * a different cabinet's (100,000 cabinets, one heartbeat a minute): heartbeats to random cabinets
 * through `CabinetStep.apply`, for BENCH_SWEEP_TX_SECONDS (10) each way: in batches of 500
 * cabinets per transaction, two at once (`withCabinets`, as workers commit), and, as the
 * baseline, each heartbeat its own cabinet transaction, BENCH_SWEEP_TX_CONCURRENCY (8) at once
 * (`withCabinet`, as workers did before): heartbeats a second.
 * This PostgreSQL is a throwaway one on the same disk with its default settings, no standby.
 *
 * Appends one JSON line to bench/results/cluster/pg-sweep.jsonl and prints it. Env:
 * BENCH_SWEEP_SIZES (1000,10000,100000), BENCH_SWEEP_ROUNDS (4), BENCH_SWEEP_BASELINE_MAX (10000).
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { buildReceivers } from '../../gateway/alerts/notifiers/build.ts'
import { CabinetStep, type CabinetStepDeps } from '../../gateway/alerts/postgres/cabinet-step.ts'
import { DistrictStep } from '../../gateway/alerts/postgres/district-step.ts'
import { PgNotices } from '../../gateway/alerts/postgres/notices.ts'
import { PgStateTransaction } from '../../gateway/alerts/postgres/state-transaction.ts'
import { PgSweep } from '../../gateway/alerts/postgres/sweep.ts'
import { SweepFilter } from '../../gateway/alerts/postgres/sweep-filter.ts'
import { buildRoute } from '../../gateway/alerts/routing.ts'
import { loadConfig } from '../../gateway/config/load.ts'
import type { Reading } from '../../gateway/ingest/ingest.ts'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { LeaderLease } from '../../gateway/lib/postgres/leader-lease.ts'
import { runPgMigrations } from '../../gateway/lib/postgres/migrations.ts'
import { Thresholds } from '../../gateway/rules/thresholds.ts'
import type { CabinetLive } from '../../gateway/state/live-state.ts'
import { PgLiveStateStore } from '../../gateway/state/postgres/live-state-store.ts'
import { postgresMigrations } from '../../gateway/wiring/postgres-migrations.ts'
import { startTempPostgres } from '../../scripts/lib/postgres.ts'
import { ROOT } from '../../scripts/lib/processes.ts'
import { commitOf } from '../report.ts'

const list = (name: string, dflt: string) =>
  (process.env[name] ?? dflt).split(',').map((s) => Number(s.trim()))
const SIZES = list('BENCH_SWEEP_SIZES', '1000,10000,100000')
const ROUNDS = Number(process.env.BENCH_SWEEP_ROUNDS ?? 4)
const BASELINE_MAX = Number(process.env.BENCH_SWEEP_BASELINE_MAX ?? 10_000)
const TX_CONCURRENCY = Number(process.env.BENCH_SWEEP_TX_CONCURRENCY ?? 8)
const TX_SECONDS = Number(process.env.BENCH_SWEEP_TX_SECONDS ?? 10)
/** A worker's batch (`cluster.batch_max`) and two workers committing at once. */
const BATCH = 500
const BATCH_CONCURRENCY = 2
const DISTRICTS = 50
const HOUR = 3_600_000
const say = (line: string) => process.stderr.write(`pg-sweep bench: ${line}\n`)

const id = (i: number) => `AED-${String(i).padStart(6, '0')}`

/** A heartbeating cabinet's saved state, as a worker keeps it (14 days of hourly battery samples). */
function liveAt(now: number, door: 'open' | 'closed'): CabinetLive {
  return {
    connected: true,
    last_seen_ms: now,
    first_seen_ms: now - 30 * 24 * HOUR,
    last_heartbeat: {
      ts: now,
      seq: 1,
      boot: '1',
      battery_pct: 96,
      battery_expiry: '2029-01-01',
      pad_expiry: '2028-01-01',
      door,
      aed_present: true,
      temp_c: 29,
      self_test: 'pass',
      power: 'mains',
      rssi_dbm: -70,
    } as CabinetLive['last_heartbeat'],
    last_heartbeat_ms: now,
    last_event: null,
    status: 'online',
    offline_since_ms: null,
    door,
    door_open_since_ms: door === 'open' ? now : null,
    aed_present: true,
    aed_removed_since_ms: null,
    power: 'mains',
    on_backup_since_ms: null,
    self_test: 'pass',
    last_self_test_ms: now - 12 * HOUR,
    tamper_at_ms: null,
    tamper_detail: null,
    clock_skewed: false,
    clock_skew_ms: null,
    state_ms: now,
    battery_samples: Array.from({ length: 336 }, (_, k) => [now - (336 - k) * HOUR, 100 - k / 84]),
  }
}

interface IngestRate {
  /** `batch`: BATCH heartbeats of distinct cabinets per transaction, as a worker commits them;
   * `cabinet`: each heartbeat its own cabinet transaction (the baseline: how workers did before). */
  mode: 'batch' | 'cabinet'
  cabinets: number
  concurrency: number
  seconds: number
  heartbeats_per_s: number
}

/** Heartbeats to random cabinets of the fleet for TX_SECONDS, committed as `mode` says. */
async function ingestRate(
  mode: IngestRate['mode'],
  deps: CabinetStepDeps,
  pool: ReturnType<typeof createPgPool>,
  size: number,
  clock: () => number,
): Promise<IngestRate> {
  const step = new CabinetStep(deps)
  const tx = new PgStateTransaction(pool)
  let done = 0
  let seq = 1000
  const heartbeat = (cabinet: string): Reading => {
    const at = clock()
    const value = { ...(liveAt(at, 'closed').last_heartbeat as object), seq: seq++ }
    const meta = { cabinet, district: '1001', timeMs: at, receivedMs: at, skewMs: 0, skewed: false }
    return { kind: 'heartbeat', cabinet, value, meta } as Reading
  }
  const randomCabinet = () => id(Math.floor(Math.random() * size))
  const until = performance.now() + TX_SECONDS * 1000
  const lane = async () => {
    while (performance.now() < until) {
      if (mode === 'cabinet') {
        const cabinet = randomCabinet()
        await tx.withCabinet(cabinet, (unit) => step.apply(unit, cabinet, [heartbeat(cabinet)]))
        done++
        continue
      }
      const cabinets = [...new Set(Array.from({ length: BATCH }, randomCabinet))]
      await tx.withCabinets(
        cabinets,
        async (unitOf) => {
          for (const c of cabinets) await step.apply(unitOf(c), c, [heartbeat(c)])
        },
        clock(),
      )
      done += cabinets.length
    }
  }
  const concurrency = mode === 'batch' ? BATCH_CONCURRENCY : TX_CONCURRENCY
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, lane))
  const seconds = (performance.now() - t0) / 1000
  const out: IngestRate = {
    mode,
    cabinets: size,
    concurrency,
    seconds: Math.round(seconds * 10) / 10,
    heartbeats_per_s: Math.round(done / seconds),
  }
  say(JSON.stringify(out))
  return out
}

interface Rounds {
  cabinets: number
  filtered: boolean
  /** Round durations in ms, the first (which opens the door alerts) included. */
  rounds_ms: number[]
  median_after_first_ms: number
  transactions_per_round: number
}

export async function pgSweepBench(): Promise<void> {
  const pgServer = await startTempPostgres('aedgw-bench-sweep-')
  const log = pino({ level: 'silent' })
  const config = loadConfig({}, {})
  const results: Rounds[] = []
  const ingest: IngestRate[] = []
  let now = Date.now()
  try {
    for (const size of SIZES) {
      const url = await pgServer.createDatabase(`sweep_${size}`)
      const pool = createPgPool({ url, max: 8 })
      await runPgMigrations(pool, postgresMigrations)
      say(`seeding ${size} cabinets`)
      const byDistrict = new Map<string, string[]>()
      const districtOf = (i: number) => String(1001 + (i % DISTRICTS))
      const store = new PgLiveStateStore(pool)
      for (let i = 0; i < size; i += 2000) {
        const chunk = Array.from({ length: Math.min(2000, size - i) }, (_, k) => ({
          cabinet: id(i + k),
          live: liveAt(now, (i + k) % 1000 === 7 ? 'open' : 'closed'),
        }))
        await store.saveMany(chunk, now)
      }
      for (let i = 0; i < size; i++) {
        const d = districtOf(i)
        const ids = byDistrict.get(d) ?? []
        ids.push(id(i))
        byDistrict.set(d, ids)
      }
      const districtById = new Map([...byDistrict].flatMap(([d, ids]) => ids.map((c) => [c, d] as const)))
      for (const filtered of size <= BASELINE_MAX ? [false, true] : [true]) {
        await pool.query('TRUNCATE alerts, alert_transitions, alert_kv, alert_deliveries')
        const notices = new PgNotices({
          describe: () => null,
          config: config.alerts,
          root: buildRoute(config.alerts.route),
          receivers: buildReceivers(config.alerts, log, () => now),
        })
        const deps: CabinetStepDeps = {
          liveOptions: {},
          thresholds: new Thresholds(config.alerts),
          infoOf: (c) => ({ district: districtById.get(c) ?? '1001' }),
          notices,
          reopenWindowMs: config.alerts.reopen_window_ms,
          clock: () => now,
        }
        const real = new SweepFilter(deps, (a, at) => notices.escalationDue(a, at))
        const sweep = new PgSweep({
          pool,
          lease: new LeaderLease(pool, `bench-${size}-${filtered}`),
          tx: new PgStateTransaction(pool),
          step: new CabinetStep(deps),
          // the baseline: every cabinet its transaction, as before the filter
          filter: filtered ? real : ({ wouldAct: () => true } as unknown as SweepFilter),
          district: new DistrictStep({ notices, outage: config.alerts.district_outage, clock: () => now }),
          districts: () => byDistrict,
          intervalMs: 3_600_000,
          concurrency: 4,
          log,
          onQueued: () => undefined,
          clock: () => now,
        })
        const rounds_ms: number[] = []
        let transactions = 0
        for (let r = 0; r < ROUNDS; r++) {
          now += 1000
          const before = sweep.counts.cabinets
          const t0 = performance.now()
          await sweep.sweepNow()
          rounds_ms.push(Math.round(performance.now() - t0))
          if (r > 0) transactions = sweep.counts.cabinets - before
        }
        await sweep.stop()
        const later = rounds_ms.slice(1).sort((a, b) => a - b)
        const row: Rounds = {
          cabinets: size,
          filtered,
          rounds_ms,
          median_after_first_ms: later[Math.floor(later.length / 2)] ?? rounds_ms[0] ?? 0,
          transactions_per_round: transactions,
        }
        say(JSON.stringify(row))
        results.push(row)
        if (filtered && size === Math.max(...SIZES))
          for (const mode of ['cabinet', 'batch'] as const)
            ingest.push(await ingestRate(mode, deps, pool, size, () => now))
      }
      await pool.end()
    }
  } finally {
    await pgServer.stop()
  }
  const line = {
    at: new Date().toISOString(),
    commit: commitOf(),
    cores: cpus().length,
    loadavg_end: loadavg().map((x) => Math.round(x * 100) / 100),
    sweep_interval_ms: config.alerts.sweep_interval_ms,
    results,
    ingest,
  }
  const dir = join(ROOT, 'bench', 'results', 'cluster')
  mkdirSync(dir, { recursive: true })
  appendFileSync(join(dir, 'pg-sweep.jsonl'), `${JSON.stringify(line)}\n`)
  process.stdout.write(`${JSON.stringify(line, null, 2)}\n`)
}
