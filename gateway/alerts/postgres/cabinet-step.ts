import { randomBytes } from 'node:crypto'
import type { Reading } from '../../ingest/ingest.ts'
import { RULES } from '../../rules/index.ts'
import type { Thresholds } from '../../rules/thresholds.ts'
import type { CabinetInfo, Firing, Rule } from '../../rules/types.ts'
import { type CabinetLive, LiveState, type LiveStateOptions } from '../../state/live-state.ts'
import type { AlertsConfig } from '../config.ts'
import { notifiedAlert } from '../messages.ts'
import type { CabinetDescription, Notification, Notifier } from '../notifiers/notifier.ts'
import type { DeliveryRecord } from '../ports.ts'
import { matchRoutes, type Route } from '../routing.ts'
import { type Alert, SYSTEM, type Transition } from '../types.ts'
import type { CabinetUnit } from './state-transaction.ts'

export interface CabinetStepDeps {
  liveOptions: Partial<LiveStateOptions>
  thresholds: Thresholds
  /** A registered, active cabinet's district and heartbeat interval; null: state only, no alerts. */
  infoOf: (cabinet: string) => CabinetInfo | null
  describe: (a: Alert) => CabinetDescription | null
  config: Pick<AlertsConfig, 'map_url' | 'console_url'>
  root: Route
  receivers: Map<string, Notifier[]>
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
 *
 * Order and redelivery do not matter: LiveState applies a reading to the current fields only when
 * its device time is not older than the newest applied (`state_ms`), so a late or repeated message
 * changes history (InfluxDB), not the present; an alert is opened only when the cabinet has none
 * open of that type (read under the cabinet's lock), and a delivery key is stored once.
 *
 * Reduced against the embedded lifecycle (docs/cluster.md): every open and resolve is notified at
 * once to the receivers its labels route to (no grouping, silences, inhibition, reopen window or
 * escalation yet), and a rule's `for_ms` hold is checked only when the cabinet's next message
 * arrives (the periodic sweep is not run by workers yet).
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
    const info = this.deps.infoOf(cabinet)
    if (!info) return out
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
        if (!v.keep && open && !rule.manualResolve) await this.resolve(unit, open, now, out)
        continue
      }
      if (open) continue
      if (!(await this.held(unit, cabinet, rule, th, now))) continue
      await this.open(unit, cabinet, rule, info, v, now, out)
    }
    return out
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
  ): Promise<void> {
    const labels = {
      cabinet,
      district: info.district,
      type: rule.type,
      severity: v.severity,
      team: rule.team,
    }
    const alert: Alert = {
      id: `al_${now.toString(36)}${randomBytes(4).toString('hex')}`,
      cabinet_id: cabinet,
      type: rule.type,
      severity: v.severity,
      state: 'active',
      team: rule.team,
      assignee: null,
      labels,
      summary: v.summary,
      facts: v.facts,
      started_ms: now,
      active_since_ms: now,
      updated_ms: now,
      acknowledged_ms: null,
      acknowledged_by: null,
      resolved_ms: null,
      resolved_by: null,
      reopen_count: 0,
      escalation_level: 0,
    }
    await unit.alerts.record(alert, transition(alert, 'open', null, now))
    out.opened.push(alert.id)
    await this.notify(unit, alert, 'firing', now, out)
  }

  private async resolve(unit: CabinetUnit, a: Alert, now: number, out: StepResult): Promise<void> {
    const from = a.state
    const next: Alert = { ...a, state: 'resolved', resolved_ms: now, resolved_by: SYSTEM, updated_ms: now }
    await unit.alerts.record(next, transition(next, 'resolve', from, now))
    out.resolved.push(a.id)
    await this.notify(unit, next, 'resolved', now, out)
  }

  /** One delivery per notifier of each receiver the alert routes to, keyed by alert, status and receiver. */
  private async notify(
    unit: CabinetUnit,
    a: Alert,
    status: 'firing' | 'resolved',
    now: number,
    out: StepResult,
  ): Promise<void> {
    const rows: DeliveryRecord[] = []
    for (const route of matchRoutes(this.deps.root, a.labels)) {
      if (status === 'resolved' && !route.send_resolved) continue
      const notification: Notification = {
        version: '1',
        id: `${a.id}:${status}@${route.receiver}`,
        receiver: route.receiver,
        status,
        group_key: `${route.id}:${a.id}`,
        group_labels: { cabinet: a.cabinet_id, type: a.type },
        created_at: new Date(now).toISOString(),
        alerts: [notifiedAlert(a, status, this.deps.describe(a), this.deps.config)],
      }
      const payload = JSON.stringify(notification)
      for (const n of this.deps.receivers.get(route.receiver) ?? []) {
        rows.push({
          id: `${notification.id}/${n.name}`,
          notifier: n.name,
          payload,
          created_ms: now,
          attempts: 0,
          next_ms: now,
        })
      }
    }
    out.deliveries.push(...(await unit.deliveries.enqueue(rows)))
  }
}

function transition(
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
