import type { Queryable } from '../../lib/postgres/db.ts'
import { RULES } from '../../rules/index.ts'
import type { CabinetLive } from '../../state/live-state.ts'
import { LiveState } from '../../state/live-state.ts'
import type { Alert } from '../types.ts'
import type { CabinetStepDeps } from './cabinet-step.ts'

/** What a sweep round reads in bulk, once, before it decides which cabinets to lock. */
export interface SweepView {
  /** Open (active or acknowledged) alerts by cabinet. */
  open: Map<string, Alert[]>
  /** The `alert_kv` keys in use: rule holds (`hold:`) and held notifications (`muted:`). */
  keys: Set<string>
}

/** Reads the open alerts and stage keys, without locks: one query each. */
export async function readSweepView(db: Queryable): Promise<SweepView> {
  const view: SweepView = { open: new Map(), keys: new Set() }
  const open = await db.query<{ data: Alert }>("SELECT data FROM alerts WHERE state <> 'resolved'")
  for (const { data } of open.rows) {
    const list = view.open.get(data.cabinet_id)
    if (list) list.push(data)
    else view.open.set(data.cabinet_id, [data])
  }
  const keys = await db.query<{ key: string }>(
    "SELECT key FROM alert_kv WHERE starts_with(key, 'hold:') OR starts_with(key, 'muted:')",
  )
  for (const { key } of keys.rows) view.keys.add(key)
  return view
}

/**
 * Decides, without a lock or a write, whether the sweep could change anything for a cabinet:
 * a rule that would open, resolve or change the severity of an alert, a `for_ms` hold to start,
 * finish or forget, a held notification to look at, an escalation step that is due. Only those
 * cabinets get a transaction of their own (`CabinetStep.sweep`, which decides again under the
 * lock); at 100,000 cabinets the others cost a rule run in memory instead of a round trip.
 *
 * It may say yes too often (the transaction then changes nothing) but never no where the
 * transaction would act: it runs the same rules on the same saved state, and answers yes for
 * everything it does not model.
 */
export class SweepFilter {
  private readonly deps: CabinetStepDeps
  private readonly escalationDue: (a: Alert, now: number) => boolean

  constructor(deps: CabinetStepDeps, escalationDue: (a: Alert, now: number) => boolean) {
    this.deps = deps
    this.escalationDue = escalationDue
  }

  wouldAct(cabinet: string, saved: CabinetLive, view: SweepView, now: number): boolean {
    const info = this.deps.infoOf(cabinet)
    if (!info) return false
    if (view.keys.has(`muted:${cabinet}`)) return true
    const open = view.open.get(cabinet) ?? []
    if (open.some((a) => this.escalationDue(a, now))) return true
    const state = new LiveState(this.deps.liveOptions)
    state.restore(cabinet, saved)
    const live = state.get(cabinet) as CabinetLive
    const th = this.deps.thresholds.for(cabinet)
    for (const rule of RULES) {
      const v = rule.evaluate({ cabinet, live, info, now, th })
      const alert = open.find((a) => a.type === rule.type)
      if (!v.fire) {
        if (view.keys.has(`hold:${cabinet}:${rule.type}`)) return true
        if (!v.keep && alert && !rule.manualResolve) return true
        continue
      }
      // no alert yet: it may open, reopen, or start or finish its hold (a condition a person
      // resolved is looked at again each round: rare, and decided under the lock)
      if (!alert || alert.severity !== v.severity) return true
    }
    return false
  }
}
