/**
 * How hard the reliability suite pushes. `npm test` runs the short scale (well under four
 * minutes on two cores); `npm run test:reliability` sets AEDGW_RELIABILITY=long for the figures
 * the issue asks of a long run. Every number here is a count or a duration of load, never a
 * timing the tests assert.
 */
export const MODE: 'short' | 'long' = process.env.AEDGW_RELIABILITY === 'long' ? 'long' : 'short'

const SHORT = {
  /** SIGKILLs of a child gateway under load, each followed by a restart. */
  kills: 3,
  /** How long InfluxDB stays stopped under steady load. */
  outageMs: 10_000,
  /** Mutated and random MQTT packets sent to a live broker. */
  fuzzPackets: 100_000,
  /** Mutated payloads through Ingest.process. */
  payloadFuzz: 50_000,
  /** Connection churn and steady load, sampled for leaks. */
  soakMs: 20_000,
}

const LONG: typeof SHORT = {
  kills: 25,
  outageMs: 180_000,
  fuzzPackets: 1_000_000,
  payloadFuzz: 1_000_000,
  soakMs: 3_600_000,
}

export const SCALE = MODE === 'long' ? LONG : SHORT

/** A test's own timeout: the load it runs plus a generous margin for a busy two-core machine. */
export function budget(loadMs: number, marginMs = 120_000): number {
  return loadMs + marginMs
}

/** Mulberry32: a small seeded PRNG, so a failing fuzz or kill schedule can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const SEED = Number(process.env.AEDGW_RELIABILITY_SEED ?? 20261126)
