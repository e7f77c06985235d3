import type { Reading } from '../ingest/ingest.ts'
import type { CabinetEvent } from '../protocol/event.ts'
import type { Heartbeat } from '../protocol/heartbeat.ts'
import type { Readiness, ReadinessReason } from '../rules/readiness.ts'
import type { CabinetLive } from '../state/live-state.ts'
import { LiveState } from '../state/live-state.ts'

/** Readiness of a cabinet from a given live state at a given time (the rules, its thresholds). */
export type ReadinessAt = (
  cabinet: string,
  live: CabinetLive,
  nowMs: number,
) => { readiness: Readiness; reasons: ReadinessReason[] }

export interface ReadinessChange {
  atMs: number
  readiness: Readiness
  reasons: ReadinessReason[]
  codes: string
}

export function reasonCodes(reasons: ReadinessReason[]): string {
  return [...new Set(reasons.map((r) => r.code))].sort().join(',')
}

/**
 * A cabinet's readiness replayed in device time: its stored readings are fed oldest first, as if
 * each had arrived on time, and readiness is looked at after each reading time and every `stepMs`
 * across gaps (a cabinet that falls silent turns offline once its heartbeats are missed). The
 * connection (status topic, last will) is not replayed: it has no device time, and readings sent
 * later are the cabinet's own proof it was alive. The first look at or after `windowStartMs` is
 * always a change, so the rewritten window starts with the state in force; later ones only when
 * readiness or its reason codes differ.
 */
export class ReadinessReplay {
  readonly changes: ReadinessChange[] = []
  private readonly live = new LiveState()
  private readonly cabinet: string
  private readonly readinessAt: ReadinessAt
  private readonly windowStartMs: number
  private readonly stepMs: number
  /** Time of the readings applied but not looked at yet (more may share it). */
  private pendingMs: number | null = null
  private current: { readiness: Readiness; codes: string } | null = null

  constructor(cabinet: string, readinessAt: ReadinessAt, windowStartMs: number, stepMs: number) {
    this.cabinet = cabinet
    this.readinessAt = readinessAt
    this.windowStartMs = windowStartMs
    this.stepMs = stepMs
  }

  heartbeat(h: Heartbeat): void {
    this.feed({ kind: 'heartbeat', cabinet: this.cabinet, value: h, meta: this.meta(h.ts) })
  }

  event(e: CabinetEvent): void {
    this.feed({ kind: 'event', cabinet: this.cabinet, value: e, meta: this.meta(e.ts) })
  }

  /** Looks at the time after the last reading up to `endMs` inclusive. */
  finish(endMs: number): ReadinessChange | null {
    if (this.pendingMs !== null && this.pendingMs >= endMs) this.look(this.pendingMs)
    else {
      this.advanceTo(endMs)
      this.look(endMs)
    }
    this.pendingMs = null
    return this.changes[this.changes.length - 1] ?? null
  }

  /** Readings must come in time order (heartbeats and events merged). */
  private feed(r: Reading): void {
    const t = r.meta.timeMs
    this.advanceTo(t)
    this.live.onReading(r)
    this.pendingMs = t
  }

  /**
   * Looks at the readings applied at `pendingMs`, then across the gap up to (not at) `t` on the
   * grid `pendingMs + k·stepMs`. Nothing is applied in a gap, and every rule's verdict only moves
   * one way as time passes on a frozen state (a threshold is crossed, an expiry comes nearer; no
   * rule clears with time alone), so readiness is the same all along between two looks that
   * agree. The gap is crossed in doubling strides, and where two looks differ the first differing
   * step is found by halving: a month's gap takes dozens of looks, not 43,200.
   */
  private advanceTo(t: number): void {
    if (this.pendingMs === null || t <= this.pendingMs) return
    const start = this.pendingMs
    this.pendingMs = null
    this.look(start)
    const last = Math.ceil((t - start) / this.stepMs) - 1
    if (last < 1) return
    // the first look at or after the window's start is always written (look)
    const first = Math.ceil((this.windowStartMs - start) / this.stepMs)
    if (this.changes.length === 0 && first >= 1 && first <= last) {
      this.cross(start, 0, first - 1)
      this.look(start + first * this.stepMs)
      this.cross(start, first, last)
    } else this.cross(start, 0, last)
  }

  /** Looks at the steps `from` (looked at already) < k ≤ `to` where readiness changes. */
  private cross(start: number, from: number, to: number): void {
    let lo = from
    let stride = 1
    while (lo < to) {
      const hi = Math.min(lo + stride, to)
      if (this.unchangedAt(start + hi * this.stepMs)) {
        lo = hi
        stride *= 2
        continue
      }
      let same = lo
      let differs = hi
      while (differs - same > 1) {
        const mid = Math.floor((same + differs) / 2)
        if (this.unchangedAt(start + mid * this.stepMs)) same = mid
        else differs = mid
      }
      this.look(start + differs * this.stepMs)
      lo = differs
      stride = 1
    }
  }

  private unchangedAt(at: number): boolean {
    const live = this.live.get(this.cabinet)
    if (!live) return true
    const r = this.readinessAt(this.cabinet, live, at)
    return this.current?.readiness === r.readiness && this.current?.codes === reasonCodes(r.reasons)
  }

  private look(at: number): void {
    const live = this.live.get(this.cabinet)
    if (!live) return
    const r = this.readinessAt(this.cabinet, live, at)
    const codes = reasonCodes(r.reasons)
    const same = this.current?.readiness === r.readiness && this.current?.codes === codes
    this.current = { readiness: r.readiness, codes }
    if (at < this.windowStartMs || (same && this.changes.length > 0)) return
    this.changes.push({ atMs: at, readiness: r.readiness, reasons: r.reasons, codes })
  }

  private meta(t: number) {
    return { cabinet: this.cabinet, district: '', timeMs: t, receivedMs: t, skewMs: 0, skewed: false }
  }
}
