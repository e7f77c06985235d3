import { type Cause, causeOf } from './causes.ts'
import type { ReadinessPoint } from './queries.ts'

export interface Segment {
  fromMs: number
  toMs: number
  /** null: available. */
  cause: Cause | null
}

/**
 * A cabinet's readiness over [startMs, endMs) as segments. Before its first known point a
 * cabinet counts as offline (nothing heard from it).
 */
export function segments(
  initial: ReadinessPoint | null,
  points: readonly ReadinessPoint[],
  startMs: number,
  endMs: number,
): Segment[] {
  const out: Segment[] = []
  let from = startMs
  let cause: Cause | null = initial ? causeOf(initial.state, initial.codes) : 'offline'
  for (const p of points) {
    if (p.atMs < startMs || p.atMs >= endMs) continue
    if (p.atMs > from) out.push({ fromMs: from, toMs: p.atMs, cause })
    from = p.atMs
    cause = causeOf(p.state, p.codes)
  }
  if (endMs > from) out.push({ fromMs: from, toMs: endMs, cause })
  return out
}

/** Milliseconds available and unavailable by cause within [fromMs, toMs). */
export function tally(segs: readonly Segment[], fromMs: number, toMs: number): Map<Cause | null, number> {
  const out = new Map<Cause | null, number>()
  for (const s of segs) {
    const ms = Math.min(s.toMs, toMs) - Math.max(s.fromMs, fromMs)
    if (ms > 0) out.set(s.cause, (out.get(s.cause) ?? 0) + ms)
  }
  return out
}

/**
 * Durations of the unavailable spells that ended (cabinet available again) within
 * [startMs, endMs). A spell that began with no known state (`unknown`, or nothing read) is not
 * counted: a new cabinet's first report is not a restoration.
 */
export function restoreDurations(
  initial: ReadinessPoint | null,
  points: readonly ReadinessPoint[],
  startMs: number,
  endMs: number,
): number[] {
  const out: number[] = []
  let available = initial ? causeOf(initial.state, initial.codes) === null : false
  // a spell already running at the start is measured from the last change read before it
  let downSince: number | null = initial && !available && initial.state !== 'unknown' ? initial.atMs : null
  for (const p of points) {
    if (p.atMs >= endMs) break
    const nowAvailable = causeOf(p.state, p.codes) === null
    if (available && !nowAvailable) downSince = p.atMs
    if (!available && nowAvailable && downSince !== null && p.atMs >= startMs) out.push(p.atMs - downSince)
    if (nowAvailable) downSince = null
    available = nowAvailable
  }
  return out
}

/** Times the reason codes gained aed_missing within [startMs, endMs). */
export function missingEpisodes(initial: ReadinessPoint | null, points: readonly ReadinessPoint[]): number {
  const has = (p: ReadinessPoint | null) => (p?.codes ?? '').split(',').includes('aed_missing')
  let prev = has(initial)
  let n = 0
  for (const p of points) {
    const now = has(p)
    if (now && !prev) n++
    prev = now
  }
  return n
}
