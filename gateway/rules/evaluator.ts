import type { Logger } from 'pino'
import type { LiveState } from '../state/live-state.ts'
import { DISTRICT_OUTAGE, RULES } from './index.ts'
import type { Thresholds } from './thresholds.ts'
import { type CabinetInfo, type Firing, fire } from './types.ts'

/** Where verdicts go: the alert lifecycle, handed over by the composition root. */
export interface VerdictSink {
  /** The open alert of this cabinet and type, if any. */
  current(cabinet: string, type: string): object | undefined
  fire(input: { cabinet: string; type: string; team: string; district: string; verdict: Firing }): void
  clear(cabinet: string, type: string): void
}

export interface EvaluatorDeps {
  state: LiveState
  /** The alert lifecycle. */
  lifecycle: VerdictSink
  thresholds: Thresholds
  /** Where `for_ms` holds are kept across restarts (the alert store's key-value table). */
  store: { getKv<T>(key: string): T | null; setKv(key: string, value: unknown): void }
  /** A registered, active cabinet's district and heartbeat interval; null: not alerted on. */
  infoOf: (cabinet: string) => CabinetInfo | null
  /** Registered, active cabinets by district code. */
  districts: () => Map<string, string[]>
  outage: { min_cabinets: number; offline_fraction: number }
  clock: () => number
  log: Logger
}

const HOLDS_KEY = 'evaluator:holds'

/** A hold's key: the same as the alert's (cabinet and type), as saved before. */
function holdKey(cabinet: string, type: string): string {
  return `${cabinet}\u0000${type}`
}

/** The pseudo-cabinet a district-wide alert belongs to. */
export function districtSubject(code: string): string {
  return `district-${code}`
}

/**
 * Runs every rule over a cabinet's live state, in memory: after each reading of that cabinet and
 * on the periodic sweep (time-based conditions). A rule's `for_ms` hold starts when its condition
 * is first seen; holds are saved (only when one starts or ends) so a restart does not reset them.
 */
export class Evaluator {
  private readonly deps: EvaluatorDeps
  private holds = new Map<string, number>()

  constructor(deps: EvaluatorDeps) {
    this.deps = deps
  }

  start(): void {
    this.holds = new Map(this.deps.store.getKv<Array<[string, number]>>(HOLDS_KEY) ?? [])
  }

  evaluateCabinet(cabinet: string): void {
    const { state, lifecycle, thresholds } = this.deps
    const info = this.deps.infoOf(cabinet)
    const live = state.get(cabinet)
    if (!info || !live) return
    const now = this.deps.clock()
    const input = { cabinet, live, info, now, th: thresholds.for(cabinet) }
    for (const rule of RULES) {
      const v = rule.evaluate(input)
      const key = holdKey(cabinet, rule.type)
      if (!v.fire) {
        if (this.holds.has(key)) this.setHold(key, null)
        if (!v.keep) lifecycle.clear(cabinet, rule.type)
        continue
      }
      const holdMs = rule.holdMs(input.th)
      if (holdMs > 0 && !lifecycle.current(cabinet, rule.type)) {
        const start = this.holds.get(key) ?? this.setHold(key, now)
        if (now - start < holdMs) continue
      }
      lifecycle.fire({ cabinet, type: rule.type, team: rule.team, district: info.district, verdict: v })
    }
  }

  sweep(): void {
    for (const id of this.deps.state.ids()) {
      try {
        this.evaluateCabinet(id)
      } catch (err) {
        this.deps.log.error({ err, cabinet: id }, 'rule evaluation failed')
      }
    }
    this.evaluateDistricts()
  }

  /** A district-wide outage: enough of a district's cabinets offline at once (a power or network cut). */
  private evaluateDistricts(): void {
    const { lifecycle, outage } = this.deps
    const now = this.deps.clock()
    for (const [code, cabinets] of this.deps.districts()) {
      const down = cabinets.filter((c) => lifecycle.current(c, 'offline')).length
      const subject = districtSubject(code)
      if (down >= outage.min_cabinets && down / cabinets.length >= outage.offline_fraction) {
        const verdict = fire(
          'critical',
          `${down} of ${cabinets.length} cabinets offline in the district`,
          now,
          {
            offline: down,
            cabinets: cabinets.length,
          },
        )
        lifecycle.fire({
          cabinet: subject,
          type: DISTRICT_OUTAGE,
          team: 'maintenance',
          district: code,
          verdict,
        })
      } else lifecycle.clear(subject, DISTRICT_OUTAGE)
    }
  }

  private setHold(key: string, at: number | null): number {
    if (at === null) this.holds.delete(key)
    else this.holds.set(key, at)
    this.deps.store.setKv(HOLDS_KEY, [...this.holds])
    return at ?? 0
  }
}
