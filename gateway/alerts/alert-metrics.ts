import type { Metrics } from '../lib/metrics.ts'
import type { Alert, Transition } from './types.ts'

/** `aedgw_alerts_open{type,severity}` from the lifecycle's open alerts, at each read of the metrics. */
export function countOpenAlerts(metrics: Pick<Metrics, 'alertsOpen'>, open: readonly Alert[]): void {
  const counts = new Map<string, { type: string; severity: string; n: number }>()
  for (const a of open) {
    const key = `${a.type}\u0000${a.severity}`
    const c = counts.get(key) ?? { type: a.type, severity: a.severity, n: 0 }
    c.n++
    counts.set(key, c)
  }
  // a type and severity with nothing open any more reads 0 rather than its last count
  metrics.alertsOpen.reset()
  for (const c of counts.values()) metrics.alertsOpen.set({ type: c.type, severity: c.severity }, c.n)
}

/** Time to acknowledge, observed on each acknowledgement (`aedgw_alert_time_to_acknowledge_seconds`). */
export function observeTransition(metrics: Pick<Metrics, 'alertAckSeconds'>, a: Alert, t: Transition): void {
  if (t.kind !== 'acknowledge') return
  metrics.alertAckSeconds.observe({ type: a.type }, Math.max(0, t.at_ms - a.started_ms) / 1000)
}
