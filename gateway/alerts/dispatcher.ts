import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { AlertStore } from './alert-store.ts'
import type { Delivery } from './delivery.ts'
import type { Inhibitor } from './inhibition.ts'
import type { Notification, NotifiedAlert } from './notifiers/notifier.ts'
import { matchRoutes, type Route } from './routing.ts'
import type { Silences } from './silences.ts'
import type { Alert, Labels, Transition } from './types.ts'

interface Group {
  key: string
  route_id: string
  receiver: string
  labels: Labels
  alert_ids: string[]
  created_ms: number
  /** When the group is next flushed for a change; null when nothing new waits. */
  next_flush_ms: number | null
  last_flush_ms: number | null
  last_sent_ms: number | null
  /** What each alert looked like in the last notification sent ("firing:major"). */
  sent: Record<string, string>
  seq: number
}

export interface DispatcherDeps {
  root: Route
  store: AlertStore
  delivery: Delivery
  silences: Silences
  inhibitor: Inhibitor
  alertById: (id: string) => Alert | null
  describe: (a: Alert, status: 'firing' | 'resolved') => NotifiedAlert
  clock: () => number
  log: Logger
}

// one row per group: a transition rewrites only the groups it touched
const GROUP_PREFIX = 'dispatcher:group:'

/**
 * Alertmanager's aggregation stages: route each transition to its receivers, group alerts by the
 * route's group_by labels, wait group_wait before the first notification of a group and
 * group_interval before the next, drop what was already sent (dedup) unless repeat_interval has
 * passed, and leave out silenced and inhibited alerts (mute). Acknowledged alerts are never
 * repeated: going beyond Alertmanager, a person's acknowledgement ends the reminders.
 */
export class Dispatcher {
  private readonly deps: DispatcherDeps
  private groups = new Map<string, Group>()
  private readonly routes = new Map<string, Route>()

  constructor(deps: DispatcherDeps) {
    this.deps = deps
    const walk = (r: Route) => {
      this.routes.set(r.id, r)
      r.routes.forEach(walk)
    }
    walk(deps.root)
  }

  start(): void {
    const saved = this.deps.store.listKv<Group>(GROUP_PREFIX)
    for (const g of saved) if (this.routes.has(g.route_id)) this.groups.set(g.key, g)
  }

  /** The route stage: every transition that changes what a receiver should know. */
  onTransition(a: Alert, t: Transition): void {
    if (t.kind === 'assign' || t.kind === 'escalate' || t.kind === 'acknowledge' || t.kind === 'comment')
      return
    const now = this.deps.clock()
    const touched = new Set<Group>()
    for (const route of matchRoutes(this.deps.root, a.labels)) {
      const labels = Object.fromEntries(route.group_by.map((k) => [k, a.labels[k] ?? '']))
      const key = `${route.id}|${route.receiver}|${JSON.stringify(labels)}`
      let g = this.groups.get(key)
      if (!g) {
        if (a.state === 'resolved') continue // nothing was ever sent for it here
        g = {
          key,
          route_id: route.id,
          receiver: route.receiver,
          labels,
          alert_ids: [],
          created_ms: now,
          next_flush_ms: now + route.group_wait_ms,
          last_flush_ms: null,
          last_sent_ms: null,
          sent: {},
          seq: 0,
        }
        this.groups.set(key, g)
      } else if (g.next_flush_ms === null) {
        g.next_flush_ms = Math.max(now, (g.last_flush_ms ?? now) + route.group_interval_ms)
      }
      if (!g.alert_ids.includes(a.id)) g.alert_ids.push(a.id)
      touched.add(g)
      if (g.next_flush_ms !== null && g.next_flush_ms <= now) this.flush(g, route, now)
    }
    for (const g of touched) this.save(g)
  }

  /** Flushes groups whose wait is over, and re-checks the others every group_interval. */
  tick(): void {
    const now = this.deps.clock()
    for (const g of [...this.groups.values()]) {
      const route = this.routes.get(g.route_id)
      if (!route) continue
      const due =
        (g.next_flush_ms !== null && g.next_flush_ms <= now) ||
        (g.next_flush_ms === null &&
          g.last_flush_ms !== null &&
          now - g.last_flush_ms >= Math.max(route.group_interval_ms, 1000))
      if (due && this.flush(g, route, now)) this.save(g)
    }
  }

  /** Returns whether the group changed. */
  private flush(g: Group, route: Route, now: number): boolean {
    const { silences, inhibitor, alertById, describe } = this.deps
    const firing: NotifiedAlert[] = []
    const resolved: NotifiedAlert[] = []
    const sent: Record<string, string> = {}
    let news = false
    let unacked = false
    const keep: string[] = []
    for (const id of g.alert_ids) {
      const a = alertById(id)
      if (!a) continue
      if (a.state === 'resolved') {
        if (g.sent[id] !== undefined && route.send_resolved) {
          resolved.push(describe(a, 'resolved'))
          news = true
        }
        continue
      }
      keep.push(id)
      if (silences.mutedBy(a.labels, now) || inhibitor.inhibitedBy(a)) continue
      const sig = `firing:${a.severity}`
      sent[id] = sig
      firing.push(describe(a, 'firing'))
      if (g.sent[id] !== sig) news = true
      if (a.state === 'active') unacked = true
    }
    const repeat = unacked && g.last_sent_ms !== null && now - g.last_sent_ms >= route.repeat_interval_ms
    const before = JSON.stringify(g)
    g.alert_ids = keep
    g.last_flush_ms = now
    g.next_flush_ms = null
    if ((news || repeat) && firing.length + resolved.length > 0) {
      g.seq++
      const n: Notification = {
        version: '1',
        id: notificationId(g.key, g.seq, g.created_ms),
        receiver: g.receiver,
        status: firing.length > 0 ? 'firing' : 'resolved',
        group_key: g.key,
        group_labels: g.labels,
        created_at: new Date(now).toISOString(),
        alerts: [...firing, ...resolved],
      }
      this.deps.delivery.enqueue(g.receiver, n)
      g.sent = sent
      g.last_sent_ms = now
    }
    if (g.alert_ids.length === 0) this.groups.delete(g.key)
    return JSON.stringify(g) !== before
  }

  private save(g: Group): void {
    this.deps.store.setKv(`${GROUP_PREFIX}${g.key}`, this.groups.has(g.key) ? g : null)
  }
}

function notificationId(key: string, seq: number, created: number): string {
  return `n_${createHash('sha256').update(`${key}|${created}`).digest('hex').slice(0, 16)}_${seq}`
}
