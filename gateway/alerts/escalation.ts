import type { Delivery } from './delivery.ts'
import type { AlertLifecycle } from './lifecycle.ts'
import type { NotifiedAlert } from './notifiers/notifier.ts'
import { matchRoutes, type Route } from './routing.ts'
import type { Silences } from './silences.ts'
import type { Alert } from './types.ts'

export interface EscalationDeps {
  root: Route
  lifecycle: AlertLifecycle
  delivery: Delivery
  silences: Silences
  describe: (a: Alert, status: 'firing' | 'resolved') => NotifiedAlert
  clock: () => number
}

/**
 * Escalation (beyond Alertmanager, which has no acknowledgement): an alert still active — not
 * acknowledged — `after_ms` after it became active goes to the step's receiver as well, once per
 * step. The step taken is saved on the alert, so a restart neither repeats nor skips one.
 */
export class Escalation {
  private readonly deps: EscalationDeps

  constructor(deps: EscalationDeps) {
    this.deps = deps
  }

  tick(): void {
    const { root, lifecycle, delivery, silences, describe, clock } = this.deps
    const now = clock()
    for (const a of lifecycle.open()) {
      if (a.state !== 'active') continue
      const steps = escalationsFor(root, a)
      const step = steps[a.escalation_level]
      if (!step || now - a.active_since_ms < step.after_ms) continue
      if (silences.mutedBy(a.labels, now)) continue
      const level = a.escalation_level + 1
      delivery.enqueue(step.receiver, {
        version: '1',
        id: `esc_${a.id}_${a.active_since_ms}_${level}`,
        receiver: step.receiver,
        status: 'escalated',
        group_key: `escalation|${a.id}`,
        group_labels: { ...a.labels },
        created_at: new Date(now).toISOString(),
        alerts: [describe(a, 'firing')],
      })
      lifecycle.escalated(a, level, step.receiver)
    }
  }
}

function escalationsFor(root: Route, a: Alert): Route['escalations'] {
  for (const r of matchRoutes(root, a.labels)) if (r.escalations.length > 0) return r.escalations
  return []
}
