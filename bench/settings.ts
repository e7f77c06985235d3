/**
 * What `npm run bench` runs, from the environment: BENCH_CABINETS (400), BENCH_LOADERS (2 load
 * processes), BENCH_WINDOW (8 heartbeats in flight per cabinet), BENCH_SECONDS (15),
 * BENCH_PROBES (100 door-open probe cabinets).
 */
export const CABINETS = Number(process.env.BENCH_CABINETS ?? 400)
export const LOADERS = Number(process.env.BENCH_LOADERS ?? 2)
export const WINDOW = Number(process.env.BENCH_WINDOW ?? 8)
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)
export const PROBES = Number(process.env.BENCH_PROBES ?? 100)
export const ADMIN = 'bench-admin-token-0123456789'

export interface Cred {
  id: string
  secret: string
}

/** BENCH-00000, BENCH-00001, …: the load's cabinet ids, the same for the baseline and the gateway. */
export function benchId(i: number): string {
  return `BENCH-${String(i).padStart(5, '0')}`
}
