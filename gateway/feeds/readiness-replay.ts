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

  /** Looks at the readings applied at `pendingMs`, then across the gap up to (not at) `t`. */
  private advanceTo(t: number): void {
    if (this.pendingMs === null || t <= this.pendingMs) return
    let at = this.pendingMs
    this.look(at)
    for (at += this.stepMs; at < t; at += this.stepMs) this.look(at)
    this.pendingMs = null
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
