/**
 * Seeded pseudo-random numbers: every cabinet draws from its own stream derived from
 * (fleet seed, cabinet id), so one cabinet's behaviour does not depend on how many others exist.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform in [min, max). */
  range(min: number, max: number): number
  /** Integer in [min, max]. */
  int(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  /** Normal with the given mean and standard deviation (Box-Muller). */
  normal(mean: number, sd: number): number
  /** Exponential waiting time with the given mean. */
  exp(mean: number): number
  pick<T>(items: readonly T[]): T
}

/** FNV-1a 32-bit hash of a string, to turn (seed, id) into a stream seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: small, fast and good enough for simulation (not for secrets). */
export function createRandom(seed: number | string): Random {
  let a = typeof seed === 'number' ? seed >>> 0 : hash32(seed)
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const r: Random = {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    normal: (mean, sd) => {
      const u = Math.max(next(), 1e-12)
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
    },
    exp: (mean) => -mean * Math.log(1 - next()),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list')
      return items[Math.floor(next() * items.length)] as (typeof items)[number]
    },
  }
  return r
}

/** A child stream for one purpose of one cabinet: `derive(seed, 'BKK-1001-0001', 'battery')`. */
export function derive(seed: number, ...parts: string[]): Random {
  return createRandom(hash32(`${seed}:${parts.join(':')}`))
}
