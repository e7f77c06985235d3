import { BANGKOK_OFFSET_MS } from '../bangkok-time.ts'

const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 59], // minute
  [0, 23], // hour
  [1, 31], // day of month
  [1, 12], // month
  [0, 7], // day of week (0 and 7: Sunday)
]

function field(spec: string, [lo, hi]: readonly [number, number]): Set<number> {
  const out = new Set<number>()
  for (const part of spec.split(',')) {
    const [range, stepText] = part.split('/')
    const step = stepText ? Number(stepText) : 1
    let [a, b] = [lo, hi]
    if (range !== '*') {
      const [x, y] = (range ?? '').split('-')
      a = Number(x)
      b = y === undefined ? (stepText ? hi : a) : Number(y)
    }
    if (
      !Number.isInteger(a) ||
      !Number.isInteger(b) ||
      !Number.isInteger(step) ||
      step < 1 ||
      a < lo ||
      b > hi
    )
      throw new Error(`bad cron field "${spec}"`)
    for (let v = a; v <= b; v += step) out.add(v)
  }
  return out
}

/**
 * The next time (epoch ms, after `afterMs`) a 5-field cron expression fires in Bangkok time,
 * with cron's rule that day-of-month and day-of-week are alternatives when both are restricted.
 * node-cron runs the job; this tells the API and the tests when, from the injected clock.
 */
export function nextRun(expr: string, afterMs: number): number | null {
  const parts = expr.trim().split(/\s+/)
  if (parts.length !== 5) throw new Error('expected 5 cron fields')
  const [min, hour, dom, mon, dow] = parts.map((p, i) =>
    field(p, RANGES[i] as readonly [number, number]),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>]
  if (dow.has(7)) dow.add(0)
  const domAny = parts[2] === '*'
  const dowAny = parts[4] === '*'
  // walk Bangkok wall-clock minutes, a day at a time when the day does not match
  let t = Math.floor((afterMs + BANGKOK_OFFSET_MS) / 60_000 + 1) * 60_000
  const limit = t + 5 * 366 * 86_400_000
  while (t < limit) {
    const d = new Date(t)
    const dayOk =
      mon.has(d.getUTCMonth() + 1) &&
      (domAny && dowAny
        ? true
        : domAny
          ? dow.has(d.getUTCDay())
          : dowAny
            ? dom.has(d.getUTCDate())
            : dom.has(d.getUTCDate()) || dow.has(d.getUTCDay()))
    if (!dayOk) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
      continue
    }
    if (hour.has(d.getUTCHours()) && min.has(d.getUTCMinutes())) return t - BANGKOK_OFFSET_MS
    t += 60_000
  }
  return null
}
