import type { Clock } from '../clock.ts'
import type { ModelParams } from '../model/params.ts'
import type { Random } from '../random.ts'
import type { SimCabinet } from '../runtime.ts'
import type { SimStats } from '../stats.ts'

export interface ScenarioContext {
  cabinets: readonly SimCabinet[]
  rnd: Random
  clock: Clock
  stats: SimStats
  /** Where the broker is, for scenarios that open their own connections. */
  mqtt: { host: string; port: number }
  /** Runs `fn` after `ms` of real time; every pending call is cancelled on stop. */
  after(ms: number, fn: () => void): void
  /** Runs `fn` every `ms` until stop. */
  every(ms: number, fn: () => void): void
  log(line: string): void
  /** How long the run lasts, when known (ms). */
  durationMs: number | null
  /** Resources the scenario opened (extra connections) that stop() must close. */
  onStop(fn: () => Promise<void> | void): void
}

/** A named scenario: how it tunes each cabinet's model, and what it does to the fleet as it runs. */
export interface Scenario {
  name: string
  summary: string
  params(base: ModelParams, index: number, rnd: Random): ModelParams
  start?(ctx: ScenarioContext): void
}

/** `share` of the fleet (at least `min`), chosen by the scenario's seeded random. */
export function someOf<T>(items: readonly T[], share: number, min: number, rnd: Random): T[] {
  const n = Math.min(items.length, Math.max(min, Math.round(items.length * share)))
  const pool = [...items]
  const out: T[] = []
  while (out.length < n && pool.length > 0)
    out.push(pool.splice(Math.floor(rnd.next() * pool.length), 1)[0] as T)
  return out
}
