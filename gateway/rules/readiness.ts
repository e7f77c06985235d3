import type { Registry } from '../registry/registry.ts'
import type { CabinetLive, LiveState } from '../state/live-state.ts'
import { cabinetInfo } from './cabinets.ts'
import { RULES } from './index.ts'
import type { Thresholds } from './thresholds.ts'
import type { RuleInput, Severity } from './types.ts'

export type Readiness = 'ready' | 'degraded' | 'not_ready' | 'in_use' | 'offline' | 'unknown'

export interface ReadinessReason {
  code: string
  severity: Severity
  message: string
}

// worst first: what a responder most needs to know
const ORDER: readonly Readiness[] = ['in_use', 'offline', 'not_ready', 'degraded', 'ready', 'unknown']

/**
 * Readiness from the same rules that raise alerts (one definition of "wrong"): AED removed →
 * in_use; offline → offline; any critical condition → not_ready; anything else → degraded.
 * Durations (`for_ms`) are not waited for: readiness shows the condition as it is now.
 */
export function readinessOf(input: Omit<RuleInput, 'live'> & { live: RuleInput['live'] | undefined }): {
  readiness: Readiness
  reasons: ReadinessReason[]
} {
  const live = input.live
  if (!live || (live.last_heartbeat === null && live.last_seen_ms === null)) {
    return { readiness: 'unknown', reasons: [] }
  }
  const full = { ...input, live }
  const reasons: ReadinessReason[] = []
  let worst: Readiness = live.last_heartbeat === null ? 'unknown' : 'ready'
  for (const rule of RULES) {
    const v = rule.evaluate(full)
    if (!v.fire) continue
    reasons.push({ code: rule.type, severity: v.severity, message: v.summary })
    const r: Readiness =
      rule.readiness === 'by_severity'
        ? v.severity === 'critical'
          ? 'not_ready'
          : 'degraded'
        : rule.readiness
    if (ORDER.indexOf(r) < ORDER.indexOf(worst)) worst = r
  }
  return { readiness: worst, reasons }
}

export interface CabinetReadinessDeps {
  state: Pick<LiveState, 'get'>
  registry: Pick<Registry, 'get'>
  thresholds: Thresholds
  clock: () => number
}

/** Readiness of one cabinet now, for the API and the feeds. */
export class CabinetReadiness {
  private readonly deps: CabinetReadinessDeps

  constructor(deps: CabinetReadinessDeps) {
    this.deps = deps
  }

  of(id: string): { readiness: Readiness; reasons: ReadinessReason[] } {
    return this.at(id, this.deps.state.get(id), this.deps.clock())
  }

  /** Readiness from a given live state at a given time (history replayed in device time). */
  at(
    id: string,
    live: CabinetLive | undefined,
    nowMs: number,
  ): { readiness: Readiness; reasons: ReadinessReason[] } {
    const { registry, thresholds } = this.deps
    return readinessOf({
      cabinet: id,
      live,
      info: cabinetInfo(registry, id),
      now: nowMs,
      th: thresholds.for(id),
    })
  }
}
