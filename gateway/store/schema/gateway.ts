import { Line, measurement } from './measurement.ts'

/**
 * The gateway's own metrics (store/self-metrics.ts). Totals are cumulative since start, like
 * Prometheus counters, so dashboards take `non_negative_derivative` and a restart is no negative rate.
 */
export const GATEWAY = measurement({
  name: 'gateway',
  tags: ['instance'],
  fields: {
    received_total: 'integer',
    accepted_total: 'integer',
    rejected_total: 'integer',
    duplicates_total: 'integer',
    quarantined_total: 'integer',
    influx_lines_total: 'integer',
    influx_write_failures_total: 'integer',
    outbox_depth: 'integer',
    outbox_bytes: 'integer',
    outbox_oldest_age_s: 'float',
    connected: 'integer',
    influx_write_p50_ms: 'float',
    influx_write_p99_ms: 'float',
  },
})

/** Rejected messages by reason, one series per reason. */
export const GATEWAY_REJECTIONS = measurement({
  name: 'gateway_rejections',
  tags: ['instance', 'reason'],
  fields: { total: 'integer' },
})

/** One reading of the gateway's own metrics. */
export interface GatewaySnapshot {
  received_total: number
  accepted_total: number
  rejected_total: number
  duplicates_total: number
  quarantined_total: number
  influx_lines_total: number
  influx_write_failures_total: number
  outbox_depth: number
  outbox_bytes: number
  outbox_oldest_age_s: number
  connected: number
  /** Write latency quantiles over the last interval; null when nothing was written. */
  influx_write_p50_ms: number | null
  influx_write_p99_ms: number | null
  rejected_by_reason: Record<string, number>
}

/** Line protocol for one snapshot: a `gateway` point and a `gateway_rejections` point per reason. */
export function gatewayLines(s: GatewaySnapshot, instance: string, timeMs: number): string[] {
  const p = new Line(GATEWAY, { instance }, timeMs)
    .set('received_total', s.received_total)
    .set('accepted_total', s.accepted_total)
    .set('rejected_total', s.rejected_total)
    .set('duplicates_total', s.duplicates_total)
    .set('quarantined_total', s.quarantined_total)
    .set('influx_lines_total', s.influx_lines_total)
    .set('influx_write_failures_total', s.influx_write_failures_total)
    .set('outbox_depth', s.outbox_depth)
    .set('outbox_bytes', s.outbox_bytes)
    .set('outbox_oldest_age_s', s.outbox_oldest_age_s)
    .set('connected', s.connected)
    .set('influx_write_p50_ms', s.influx_write_p50_ms ?? undefined)
    .set('influx_write_p99_ms', s.influx_write_p99_ms ?? undefined)
  const lines = [p.toString()]
  for (const [reason, n] of Object.entries(s.rejected_by_reason))
    lines.push(new Line(GATEWAY_REJECTIONS, { instance, reason }, timeMs).set('total', n).toString())
  return lines
}
