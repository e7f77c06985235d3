import type { Reading } from '../../ingest/ingest.ts'
import { RULES } from '../../rules/index.ts'
import type { Thresholds } from '../../rules/thresholds.ts'
import type { CabinetInfo, Firing, Rule } from '../../rules/types.ts'
import { type CabinetLive, LiveState, type LiveStateOptions } from '../../state/live-state.ts'
import { newAlert } from '../new-alert.ts'
import { type Alert, SYSTEM, type Transition } from '../types.ts'
import { suppressedKey } from './alert-service.ts'
import type { PgNotices } from './notices.ts'
import type { CabinetUnit } from './state-transaction.ts'

export interface CabinetStepDeps {
  liveOptions: Partial<LiveStateOptions>
  thresholds: Thresholds
  /** A registered, active cabinet's district and heartbeat interval; null: state only, no alerts. */
  infoOf: (cabinet: string) => CabinetInfo | null
  /** The mute, notify and escalation decisions. */
  notices: PgNotices
  clock: () => number
}

/** What one cabinet's transaction did: the alerts it opened and resolved, the deliveries it queued. */
export interface StepResult {
  opened: string[]
  resolved: string[]
  deliveries: string[]
}

const holdKey = (cabinet: string, type: string) => `hold:${cabinet}:${type}`

/**
 * A cluster worker's state and alert stage for one cabinet, run inside that cabinet's transaction
 * (`PgStateTransaction.withCabinet`): reads the cabinet's live state from PostgreSQL, folds the
 * readings in with the same LiveState code as the embedded mode, runs every rule, opens or resolves
 * the cabinet's alerts and queues their notifications; the caller commits, then acks the messages.
 * The sweep (`sweep`, run by the lease holder, ./sweep.ts) runs the same rules over the saved
 * state with no reading: the time-based conditions (offline by missing heartbeats, door left
 * open, overdue self-test, `for_ms` holds), notifications held by a silence that ended, and
 * escalations.
 *
 * Order and redelivery do not matter: LiveState applies a reading to the current fields only when
 * its device time is not older than the newest applied (`state_ms`), so a late or repeated message
 * changes history (InfluxDB), not the present; an alert is opened only when the cabinet has none
 * open of that type (read under the cabinet's lock), and a delivery key is stored once.
 *
 * Reduced against the embedded lifecycle (docs/cluster.md): no grouping or reopen window, and an
 * open alert keeps the severity it opened with; each open and resolve is its own notification.
 */
export class CabinetStep {
  private readonly deps: CabinetStepDeps

  constructor(deps: CabinetStepDeps) {
    this.deps = deps
  }

  async apply(unit: CabinetUnit, cabinet: string, readings: readonly Reading[]): Promise<StepResult> {
    const now = this.deps.clock()
    const state = new LiveState(this.deps.liveOptions)
    const saved = await unit.live.get(cabinet)
    if (saved) state.restore(cabinet, saved)
    for (const r of readings) state.onReading(r)
    const live = state.get(cabinet) as CabinetLive
    await unit.live.save(cabinet, live, now)
    const out: StepResult = { opened: [], resolved: [], deliveries: [] }
    await this.evaluate(unit, cabinet, live, now, out)
    return out
  }

  /** The periodic evaluation of a cabinet's saved state (no reading), with held and escalated notices. */
  async sweep(unit: CabinetUnit, cabinet: string): Promise<StepResult> {
    const now = this.deps.clock()
    const out: StepResult = { opened: [], resolved: [], deliveries: [] }
    const saved = await unit.live.get(cabinet)
    if (!saved) return out
    // through LiveState as on a reading: the same view of the saved fields the rules get there
    const state = new LiveState(this.deps.liveOptions)
    state.restore(cabinet, saved)
    const live = state.get(cabinet) as CabinetLive
    const open = await this.evaluate(unit, cabinet, live, now, out)
    if (open.length > 0) {
      await this.deps.notices.release(unit, cabinet, open, now, out)
      await this.deps.notices.escalate(unit, open, now, out)
    }
    return out
  }

  /** Runs every rule; resolves with the cabinet's alerts still open afterwards. */
  private async evaluate(
    unit: CabinetUnit,
    cabinet: string,
    live: CabinetLive,
    now: number,
    out: StepResult,
  ): Promise<Alert[]> {
    const info = this.deps.infoOf(cabinet)
    if (!info) return []
    const th = this.deps.thresholds.for(cabinet)
    // the cabinet's open alerts in one read (under its lock: no other worker changes them now)
    const openByType = new Map(
      (await unit.alerts.list({ cabinet, states: ['active', 'acknowledged'], limit: 1000 })).map((a) => [
        a.type,
        a,
      ]),
    )
    for (const rule of RULES) {
      const v = rule.evaluate({ cabinet, live, info, now, th })
      const open = openByType.get(rule.type)
      if (!v.fire) {
        if (rule.holdMs(th) > 0 && (await unit.alerts.getKv(holdKey(cabinet, rule.type))) !== null)
          await unit.alerts.setKv(holdKey(cabinet, rule.type), null)
        if (!v.keep && open && !rule.manualResolve) {
          await this.resolve(unit, open, now, out)
          openByType.delete(rule.type)
        }
        continue
      }
      if (open) continue
      if (await this.suppressed(unit, cabinet, rule.type, v.since)) continue
      if (!(await this.held(unit, cabinet, rule, th, now))) continue
      openByType.set(rule.type, await this.open(unit, cabinet, rule, info, v, now, out))
    }
    return [...openByType.values()]
  }

  /**
   * A person resolved this type's alert while the condition held (PgAlertService.resolve): not
   * opened again for the same occurrence; a later one (a newer `since`) forgets the resolution.
   * Read only when an alert would open, so the message path pays nothing for it otherwise.
   */
  private async suppressed(
    unit: CabinetUnit,
    cabinet: string,
    type: string,
    since: number,
  ): Promise<boolean> {
    const key = suppressedKey(cabinet, type)
    const at = await unit.alerts.getKv<number>(key)
    if (at === null) return false
    if (since <= at) return true
    await unit.alerts.setKv(key, null)
    return false
  }

  /** True once the rule's condition has held for its `for_ms` (at once when it has none). */
  private async held(
    unit: CabinetUnit,
    cabinet: string,
    rule: Rule,
    th: ReturnType<Thresholds['for']>,
    now: number,
  ): Promise<boolean> {
    const holdMs = rule.holdMs(th)
    if (holdMs <= 0) return true
    const key = holdKey(cabinet, rule.type)
    let since = await unit.alerts.getKv<number>(key)
    if (since === null) {
      since = now
      await unit.alerts.setKv(key, since)
    }
    return now - since >= holdMs
  }

  private async open(
    unit: CabinetUnit,
    cabinet: string,
    rule: Rule,
    info: CabinetInfo,
    v: Firing,
    now: number,
    out: StepResult,
  ): Promise<Alert> {
    const alert = newAlert(
      {
        cabinet,
        district: info.district,
        type: rule.type,
        severity: v.severity,
        team: rule.team,
        summary: v.summary,
        facts: v.facts,
      },
      now,
    )
    await unit.alerts.record(alert, transition(alert, 'open', null, now))
    out.opened.push(alert.id)
    await this.deps.notices.firing(unit, alert, now, out)
    return alert
  }

  private async resolve(unit: CabinetUnit, a: Alert, now: number, out: StepResult): Promise<void> {
    const from = a.state
    const next: Alert = { ...a, state: 'resolved', resolved_ms: now, resolved_by: SYSTEM, updated_ms: now }
    await unit.alerts.record(next, transition(next, 'resolve', from, now))
    out.resolved.push(a.id)
    await this.deps.notices.resolved(unit, next, now, out)
  }
}

export function transition(
  a: Alert,
  kind: 'open' | 'resolve',
  from: Alert['state'] | null,
  now: number,
): Transition {
  return {
    alert_id: a.id,
    at_ms: now,
    kind,
    from_state: from,
    to_state: a.state,
    severity: a.severity,
    by: SYSTEM,
    comment: null,
  }
}
