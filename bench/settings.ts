/**
 * What `npm run bench` runs. `--quick` (about 3½ minutes) or the full run (about 30), each figure
 * overridable from the environment: BENCH_CABINETS (load cabinets), BENCH_LOADERS (load
 * processes), BENCH_WINDOW (heartbeats in flight per cabinet, closed loop), BENCH_SECONDS (closed
 * loop and Limit 1), BENCH_STEP_SECONDS (each offered rate of the sweep), BENCH_RATES (offered
 * heartbeats/s, comma-separated), BENCH_DRAIN (seconds a step may wait for its last points),
 * BENCH_IDLE (idle connection counts, comma-separated), BENCH_PROBES (door-open probes),
 * BENCH_BACKFILL_DAYS, BENCH_OUTAGE_SECONDS.
 */
export const QUICK = process.argv.includes('--quick')

function num(name: string, quick: number, full: number): number {
  const v = process.env[name]
  return v === undefined || v === '' ? (QUICK ? quick : full) : Number(v)
}
function list(name: string, quick: number[], full: number[]): number[] {
  const v = process.env[name]
  return v === undefined || v === '' ? (QUICK ? quick : full) : v.split(',').map(Number)
}

export const CABINETS = num('BENCH_CABINETS', 400, 1000)
export const LOADERS = num('BENCH_LOADERS', 2, 2)
export const WINDOW = num('BENCH_WINDOW', 8, 8)
export const SECONDS = num('BENCH_SECONDS', 5, 15)
export const STEP_SECONDS = num('BENCH_STEP_SECONDS', 4, 20)
export const RATES = list(
  'BENCH_RATES',
  [3000, 10000, 20000],
  [1000, 2500, 5000, 7500, 10000, 15000, 20000, 30000],
)
export const DRAIN = num('BENCH_DRAIN', 6, 60)
export const IDLE = list('BENCH_IDLE', [1000, 5000], [1000, 10000, 19000])
export const PROBES = num('BENCH_PROBES', 20, 100)
/** Days of history the backfill phase publishes (the demo's 14). */
export const BACKFILL_DAYS = num('BENCH_BACKFILL_DAYS', 2, 14)
/** Seconds InfluxDB is stopped in the outage phase. */
export const OUTAGE_SECONDS = num('BENCH_OUTAGE_SECONDS', 20, 600)

/** What a --quick run shortens, said in its output (null for the full run). */
export const QUICK_NOTE = QUICK
  ? `quick run: ${RATES.length} offered rates of ${STEP_SECONDS} s (full: 8 of 20 s), ${SECONDS} s closed loops (15), ` +
    `idle connections up to ${Math.max(...IDLE)} (19,000), a ${BACKFILL_DAYS}-day backfill (14), ` +
    `a ${OUTAGE_SECONDS} s InfluxDB outage (600), ${PROBES} door probes (100)`
  : null
/** Connections one source address carries before the next 127.0.0.x is used (ephemeral ports). */
export const PER_SOURCE = 28000
export const ADMIN = 'bench-admin-token-0123456789'

export interface Cred {
  id: string
  secret: string
}

/** The load's cabinet ids: BENCH-00000, BENCH-00001, … */
export function benchId(i: number): string {
  return `BENCH-${String(i).padStart(5, '0')}`
}

/** The source address of load process `i` of `n` opening `connections` in all. */
export function sourceAddress(i: number, n: number, connections: number): string {
  const sources = Math.max(1, Math.ceil(connections / PER_SOURCE))
  return `127.0.0.${1 + (Math.floor((i * sources) / n) % 250)}`
}
