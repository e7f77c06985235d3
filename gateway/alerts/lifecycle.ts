import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import type { Firing } from '../rules/types.ts'
import type { AlertStore } from './alert-store.ts'
import { newAlert } from './new-alert.ts'
import {
  type Alert,
  type AlertState,
  alertKey,
  type Labels,
  SYSTEM,
  type Transition,
  type TransitionKind,
} from './types.ts'

export interface LifecycleDeps {
  store: AlertStore
  log: Logger
  clock: () => number
  reopenWindowMs: number
  /** Called after every recorded transition (notification pipeline, InfluxDB line). */
  onTransition: (alert: Alert, t: Transition) => void
  /** Sees every firing before it is recorded (the coverage stage marks holes, raises severity). */
  adjust?: (input: FireInput) => FireInput
}

export interface FireInput {
  cabinet: string
  type: string
  team: string
  district: string
  verdict: Firing
  /** Labels besides cabinet, district, type, severity, team (set on open, reopen and severity change). */
  labels?: Labels
}

const SUPPRESS_KEY = 'lifecycle:suppressed'

/**
 * ThingsBoard-style alarm lifecycle: one open alert per (cabinet, type); active → acknowledged →
 * resolved; reopened when it returns within the reopen window; severity may rise and fall.
 * Every transition is stored with who and when, and handed on.
 */
export class AlertLifecycle {
  private readonly deps: LifecycleDeps
  /** Open alerts and recently resolved ones (reopen candidates), by (cabinet, type). */
  private readonly byKey = new Map<string, Alert>()
  /** (cabinet, type) resolved by a person while the condition held: not re-raised for the same trigger. */
  private suppressed = new Map<string, number>()

  constructor(deps: LifecycleDeps) {
    this.deps = deps
  }

  start(): void {
    const now = this.deps.clock()
    for (const a of this.deps.store.loadCurrent(now - this.deps.reopenWindowMs)) {
      this.byKey.set(alertKey(a.cabinet_id, a.type), a)
    }
    this.suppressed = new Map(this.deps.store.getKv<Array<[string, number]>>(SUPPRESS_KEY) ?? [])
    this.deps.log.info({ open: this.open().length }, 'alerts loaded')
  }

  open(): Alert[] {
    return [...this.byKey.values()].filter((a) => a.state !== 'resolved')
  }

  current(cabinet: string, type: string): Alert | undefined {
    const a = this.byKey.get(alertKey(cabinet, type))
    return a && a.state !== 'resolved' ? a : undefined
  }

  byId(id: string): Alert | null {
    for (const a of this.byKey.values()) if (a.id === id) return a
    return this.deps.store.get(id)
  }

  /** The condition holds: open, reopen, or change severity. */
  fire(raw: FireInput): void {
    const input = this.deps.adjust ? this.deps.adjust(raw) : raw
    const now = this.deps.clock()
    const key = alertKey(input.cabinet, input.type)
    const v = input.verdict
    const suppressedAt = this.suppressed.get(key)
    if (suppressedAt !== undefined) {
      if (v.since <= suppressedAt) return
      this.setSuppressed(key, null)
    }
    const a = this.byKey.get(key)
    if (a && a.state !== 'resolved') {
      a.summary = v.summary
      a.facts = v.facts
      if (a.severity === v.severity) return // same condition, nothing to record
      const from = a.state
      const rose = severityRises(a.severity, v.severity)
      a.severity = v.severity
      Object.assign(a.labels, input.labels, { severity: v.severity })
      // a rise is news: it needs a person again even if acknowledged at the lower severity
      if (rose && a.state === 'acknowledged') a.state = 'active'
      this.transition(a, 'severity', from, SYSTEM, null, now)
      return
    }
    if (a && a.resolved_ms !== null && now - a.resolved_ms <= this.deps.reopenWindowMs) {
      a.state = 'active'
      a.severity = v.severity
      Object.assign(a.labels, input.labels, { severity: v.severity })
      a.summary = v.summary
      a.facts = v.facts
      a.resolved_ms = null
      a.resolved_by = null
      a.acknowledged_ms = null
      a.acknowledged_by = null
      a.escalation_level = 0
      a.active_since_ms = now
      a.reopen_count++
      this.transition(a, 'reopen', 'resolved', SYSTEM, null, now)
      return
    }
    const alert = newAlert(
      {
        cabinet: input.cabinet,
        district: input.district,
        type: input.type,
        severity: v.severity,
        team: input.team,
        summary: v.summary,
        facts: v.facts,
        labels: input.labels,
      },
      now,
    )
    this.byKey.set(key, alert)
    this.transition(alert, 'open', null, SYSTEM, null, now)
  }

  /** The rule's clear condition holds: resolve by the system; a person's earlier resolution is forgotten. */
  clear(cabinet: string, type: string): void {
    const key = alertKey(cabinet, type)
    if (this.suppressed.has(key)) this.setSuppressed(key, null)
    const a = this.byKey.get(key)
    if (!a || a.state === 'resolved') return
    this.resolveAlert(a, SYSTEM, null)
  }

  acknowledge(id: string, by: string, comment: string | null): Alert {
    const a = this.mustOpen(id)
    if (a.state === 'acknowledged') return a
    a.state = 'acknowledged'
    a.acknowledged_ms = this.deps.clock()
    a.acknowledged_by = by
    this.transition(a, 'acknowledge', 'active', by, comment, a.acknowledged_ms)
    return a
  }

  /** A person resolves: allowed only where the rule says a person may (`manualResolve`). */
  resolve(id: string, by: string, comment: string | null, manualResolve: boolean): Alert {
    const a = this.mustOpen(id)
    if (!manualResolve) {
      throw new AedgwError(
        'AEDGW_ERR_ALERT_CONDITION',
        `${a.type} resolves itself when its condition clears; acknowledge it instead`,
      )
    }
    this.resolveAlert(a, by, comment)
    this.setSuppressed(alertKey(a.cabinet_id, a.type), a.resolved_ms as number)
    return a
  }

  assign(
    id: string,
    assignee: string | null,
    team: string | null,
    by: string,
    comment: string | null,
  ): Alert {
    const a = this.mustOpen(id)
    a.assignee = assignee
    if (team) {
      a.team = team
      a.labels.team = team
    }
    this.transition(
      a,
      'assign',
      a.state,
      by,
      comment ?? `assigned to ${assignee ?? 'nobody'}`,
      this.deps.clock(),
    )
    return a
  }

  /**
   * A note on the alert's history (what a technician found or did), open or resolved; the state
   * stays as it is and nobody is notified.
   */
  comment(id: string, by: string, comment: string): Alert | null {
    const a = this.byId(id)
    if (!a) return null
    this.transition(a, 'comment', a.state, by, comment, this.deps.clock())
    return a
  }

  /** Records an escalation step taken by the escalation stage. */
  escalated(a: Alert, level: number, receiver: string): void {
    a.escalation_level = level
    this.transition(a, 'escalate', a.state, SYSTEM, `escalated to ${receiver}`, this.deps.clock())
  }

  /** Forgets resolved alerts past the reopen window (memory only; the store keeps them). */
  prune(): void {
    const limit = this.deps.clock() - this.deps.reopenWindowMs
    for (const [k, a] of this.byKey) {
      if (a.state === 'resolved' && (a.resolved_ms ?? 0) < limit) this.byKey.delete(k)
    }
  }

  private resolveAlert(a: Alert, by: string, comment: string | null): void {
    const from = a.state
    a.state = 'resolved'
    a.resolved_ms = this.deps.clock()
    a.resolved_by = by
    this.transition(a, 'resolve', from, by, comment, a.resolved_ms)
  }

  private mustOpen(id: string): Alert {
    const a = this.byId(id)
    if (!a) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
    const live = this.byKey.get(alertKey(a.cabinet_id, a.type))
    if (!live || live.id !== id || live.state === 'resolved') {
      throw new AedgwError('AEDGW_ERR_ALERT_RESOLVED', `alert ${id} is already resolved`)
    }
    return live
  }

  private setSuppressed(key: string, at: number | null): void {
    if (at === null) this.suppressed.delete(key)
    else this.suppressed.set(key, at)
    this.deps.store.setKv(SUPPRESS_KEY, [...this.suppressed])
  }

  private transition(
    a: Alert,
    kind: TransitionKind,
    from: AlertState | null,
    by: string,
    comment: string | null,
    at: number,
  ): void {
    a.updated_ms = at
    const t: Transition = {
      alert_id: a.id,
      at_ms: at,
      kind,
      from_state: from,
      to_state: a.state,
      severity: a.severity,
      by,
      comment,
    }
    this.deps.store.record(a, t)
    this.deps.log.info(
      { alert: a.id, cabinet: a.cabinet_id, type: a.type, kind, state: a.state, by },
      'alert transition',
    )
    try {
      this.deps.onTransition(a, t)
    } catch (err) {
      this.deps.log.error({ err, alert: a.id }, 'alert transition handler failed')
    }
  }
}

const RANK = ['minor', 'warning', 'major', 'critical']
function severityRises(from: string, to: string): boolean {
  return RANK.indexOf(to) > RANK.indexOf(from)
}
