import type { AlertsConfig } from '../config.ts'
import { Inhibitor } from '../inhibition.ts'
import { compileAll, type MatchFn } from '../matchers.ts'
import { notifiedAlert } from '../messages.ts'
import type { CabinetDescription, Notification, Notifier } from '../notifiers/notifier.ts'
import type { DeliveryRecord } from '../ports.ts'
import { matchRoutes, type Route } from '../routing.ts'
import { Silences } from '../silences.ts'
import { type Alert, SYSTEM, type Transition } from '../types.ts'
import { PgSilenceStore } from './silence-store.ts'
import type { CabinetUnit } from './state-transaction.ts'

export interface NoticesDeps {
  describe: (a: Alert) => CabinetDescription | null
  config: Pick<AlertsConfig, 'map_url' | 'console_url' | 'maintenance_windows' | 'inhibit_rules'>
  root: Route
  receivers: Map<string, Notifier[]>
}

/** A firing notification held back by a silence or maintenance window: sent once it no longer mutes. */
interface Held {
  alert: string
  receiver: string
}

/** The deliveries one cabinet's transaction queued. */
export interface Queued {
  deliveries: string[]
}

const heldKey = (cabinet: string) => `muted:${cabinet}`

/**
 * A cluster worker's notify decisions for one cabinet, inside its transaction: the mute stage
 * (silences stored in PostgreSQL, read fresh at each decision, the configured maintenance
 * windows, with the embedded `Silences` code, and inhibition by open alerts, with the embedded
 * `Inhibitor`) and escalation, with the embedded mode's semantics:
 *
 * - a muted alert still opens; its firing notification is not sent while it is muted. It is
 *   remembered (`muted:{cabinet}` in alert_kv) and sent when the sweep finds the alert still
 *   open and no longer muted, as the embedded dispatcher sends it at the group's next flush;
 * - a resolved notification goes only to receivers that got the firing one (a muted alert that
 *   resolves unseen is never announced), and is itself never muted;
 * - an alert still `active` (not acknowledged) `after_ms` after it became active goes to the
 *   escalation step's receiver too, once per step, unless muted; the step is saved on the alert.
 *
 * Every notification has a key derived from the alert (the delivery id, unique in PostgreSQL),
 * so deciding twice queues it once. No grouping: each alert is its own notification.
 */
export class PgNotices {
  private readonly deps: NoticesDeps
  private readonly inhibitor: Inhibitor
  /** Each inhibit rule's target and equal labels: which open alerts could inhibit an alert. */
  private readonly targets: Array<{ target: MatchFn; equal: string[] }>
  /** The open alerts the inhibitor looks at, set just before each (synchronous) question. */
  private candidates: Alert[] = []

  constructor(deps: NoticesDeps) {
    this.deps = deps
    this.inhibitor = new Inhibitor(deps.config, () => this.candidates)
    this.targets = deps.config.inhibit_rules.map((r) => ({
      target: compileAll(r.target_matchers),
      equal: r.equal,
    }))
  }

  /**
   * The alert is firing: opened, reopened, or (with `revision`, which keys the notification apart
   * from the first one) its severity changed. A muted alert is held for the sweep, once.
   */
  async firing(unit: CabinetUnit, a: Alert, now: number, out: Queued, revision = ''): Promise<void> {
    const routes = matchRoutes(this.deps.root, a.labels)
    if (routes.length === 0) return
    if (await this.muted(unit, a, now)) {
      if (revision) return // its held firing notification, sent later, carries the new severity
      const held = await this.held(unit, a.cabinet_id)
      for (const r of routes) held.push({ alert: a.id, receiver: r.receiver })
      await unit.alerts.setKv(heldKey(a.cabinet_id), held)
      return
    }
    await this.enqueue(unit, a, 'firing', routes, now, out, revision)
  }

  async resolved(unit: CabinetUnit, a: Alert, now: number, out: Queued): Promise<void> {
    const held = await this.held(unit, a.cabinet_id)
    const unseen = new Set(held.filter((h) => h.alert === a.id).map((h) => h.receiver))
    if (unseen.size > 0) await this.keepHeld(unit, a.cabinet_id, held, (h) => h.alert !== a.id)
    const routes = matchRoutes(this.deps.root, a.labels).filter(
      (r) => r.send_resolved && !unseen.has(r.receiver),
    )
    await this.enqueue(unit, a, 'resolved', routes, now, out)
  }

  /** The sweep: sends held firing notifications no longer muted; forgets those of closed alerts. */
  async release(unit: CabinetUnit, cabinet: string, open: Alert[], now: number, out: Queued): Promise<void> {
    const held = await this.held(unit, cabinet)
    if (held.length === 0) return
    const byId = new Map(open.map((a) => [a.id, a]))
    const sent = new Set<string>()
    for (const a of new Set(held.map((h) => h.alert))) {
      const alert = byId.get(a)
      if (!alert) {
        sent.add(a)
        continue
      }
      if (await this.muted(unit, alert, now)) continue
      const receivers = new Set(held.filter((h) => h.alert === a).map((h) => h.receiver))
      const routes = matchRoutes(this.deps.root, alert.labels).filter((r) => receivers.has(r.receiver))
      await this.enqueue(unit, alert, 'firing', routes, now, out)
      sent.add(a)
    }
    if (sent.size > 0) await this.keepHeld(unit, cabinet, held, (h) => !sent.has(h.alert))
  }

  /** The sweep: the next escalation step of each active alert that has waited long enough. */
  async escalate(unit: CabinetUnit, open: Alert[], now: number, out: Queued): Promise<void> {
    for (const a of open) {
      if (!this.escalationDue(a, now)) continue
      const step = escalationsFor(this.deps.root, a)[a.escalation_level] as Route['escalations'][number]
      if (await this.muted(unit, a, now)) continue
      const level = a.escalation_level + 1
      const notification: Notification = {
        version: '1',
        id: `esc_${a.id}_${a.active_since_ms}_${level}`,
        receiver: step.receiver,
        status: 'escalated',
        group_key: `escalation|${a.id}`,
        group_labels: { ...a.labels },
        created_at: new Date(now).toISOString(),
        alerts: [notifiedAlert(a, 'firing', this.deps.describe(a), this.deps.config)],
      }
      await this.store(unit, notification, now, out)
      const next: Alert = { ...a, escalation_level: level, updated_ms: now }
      const t: Transition = {
        alert_id: a.id,
        at_ms: now,
        kind: 'escalate',
        from_state: a.state,
        to_state: a.state,
        severity: a.severity,
        by: SYSTEM,
        comment: `escalated to ${step.receiver}`,
      }
      await unit.alerts.record(next, t)
      Object.assign(a, next)
    }
  }

  /** Whether the alert's next escalation step is due (the sweep then looks at it under the lock). */
  escalationDue(a: Alert, now: number): boolean {
    if (a.state !== 'active') return false
    const step = escalationsFor(this.deps.root, a)[a.escalation_level]
    return step !== undefined && now - a.active_since_ms >= step.after_ms
  }

  /** One delivery per notifier of each receiver, keyed by alert, status and receiver. */
  private async enqueue(
    unit: CabinetUnit,
    a: Alert,
    status: 'firing' | 'resolved',
    routes: Route[],
    now: number,
    out: Queued,
    revision = '',
  ): Promise<void> {
    // a reopened alert is news again: its notifications are keyed apart from the earlier ones
    const base = a.reopen_count > 0 ? `${a.id}#${a.reopen_count}` : a.id
    for (const route of routes) {
      await this.store(
        unit,
        {
          version: '1',
          id: `${base}${revision}:${status}@${route.receiver}`,
          receiver: route.receiver,
          status,
          group_key: `${route.id}:${a.id}`,
          group_labels: { cabinet: a.cabinet_id, type: a.type },
          created_at: new Date(now).toISOString(),
          alerts: [notifiedAlert(a, status, this.deps.describe(a), this.deps.config)],
        },
        now,
        out,
      )
    }
  }

  private async store(unit: CabinetUnit, n: Notification, now: number, out: Queued): Promise<void> {
    const payload = JSON.stringify(n)
    const rows: DeliveryRecord[] = (this.deps.receivers.get(n.receiver) ?? []).map((notifier) => ({
      id: `${n.id}/${notifier.name}`,
      notifier: notifier.name,
      payload,
      created_ms: now,
      attempts: 0,
      next_ms: now,
    }))
    out.deliveries.push(...(await unit.deliveries.enqueue(rows)))
  }

  /** Why the alert is muted now (a silence in PostgreSQL, a maintenance window), or null. */
  private async muted(unit: CabinetUnit, a: Alert, now: number): Promise<string | null> {
    const active = await new PgSilenceStore(unit.client).active(now)
    const silences = new Silences(
      { all: () => active, insert: readOnly, update: readOnly },
      this.deps.config,
      () => now,
    )
    silences.start()
    const muted = silences.mutedBy(a.labels, now)
    if (muted) return muted
    const rules = this.targets.filter((r) => r.target(a.labels))
    if (rules.length === 0) return null
    // only the open alerts that could match: the cabinet's or the district's when every rule asks so
    const scope = rules.every((r) => r.equal.includes('cabinet'))
      ? { cabinet: a.cabinet_id }
      : rules.every((r) => r.equal.includes('district'))
        ? { district: a.labels.district ?? '' }
        : {}
    const open = await unit.alerts.list({ ...scope, states: ['active', 'acknowledged'], limit: 100_000 })
    this.candidates = open
    const by = this.inhibitor.inhibitedBy(a)
    this.candidates = []
    return by ? `inhibited by ${by.id}` : null
  }

  private async held(unit: CabinetUnit, cabinet: string): Promise<Held[]> {
    return (await unit.alerts.getKv<Held[]>(heldKey(cabinet))) ?? []
  }

  private async keepHeld(
    unit: CabinetUnit,
    cabinet: string,
    held: Held[],
    keep: (h: Held) => boolean,
  ): Promise<void> {
    const left = held.filter(keep)
    await unit.alerts.setKv(heldKey(cabinet), left.length > 0 ? left : null)
  }
}

function readOnly(): never {
  throw new Error('silences are read here, not written')
}

function escalationsFor(root: Route, a: Alert): Route['escalations'] {
  for (const r of matchRoutes(root, a.labels)) if (r.escalations.length > 0) return r.escalations
  return []
}
