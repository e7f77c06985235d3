import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** The gateway's Prometheus metrics, on a registry of its own (no globals: tests build several). */
export class Metrics {
  readonly registry = new Registry()
  readonly received = new Counter({
    name: 'aedgw_messages_received_total',
    help: 'MQTT PUBLISH packets from cabinets, by topic leaf',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })
  readonly accepted = new Counter({
    name: 'aedgw_messages_accepted_total',
    help: 'Messages validated and committed to the outbox, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })
  readonly rejected = new Counter({
    name: 'aedgw_messages_rejected_total',
    help: 'Messages refused, by reason (validation reasons are also quarantined)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly duplicates = new Counter({
    name: 'aedgw_messages_duplicate_total',
    help: 'QoS 1 redeliveries recognised and acknowledged without storing again',
    registers: [this.registry],
  })
  readonly eventsUnstored = new Counter({
    name: 'aedgw_events_unstored_total',
    help: 'Valid events handed to the rules while the outbox refused them (no PUBACK: the cabinet resends)',
    registers: [this.registry],
  })
  readonly quarantined = new Counter({
    name: 'aedgw_quarantined_total',
    help: 'Payloads or lines put in the quarantine, by stage (ingest, influx)',
    labelNames: ['stage'] as const,
    registers: [this.registry],
  })
  readonly outboxDepth = new Gauge({
    name: 'aedgw_outbox_depth',
    help: 'Lines in the outbox not yet written to InfluxDB',
    registers: [this.registry],
  })
  readonly outboxBytes = new Gauge({
    name: 'aedgw_outbox_bytes',
    help: 'Bytes of line protocol in the outbox',
    registers: [this.registry],
  })
  readonly outboxOldestAge = new Gauge({
    name: 'aedgw_outbox_oldest_age_seconds',
    help: 'Age of the oldest line not yet written to InfluxDB (0 when empty)',
    registers: [this.registry],
  })
  readonly outboxCommitSize = new Histogram({
    name: 'aedgw_outbox_commit_size',
    help: 'Entries per outbox group commit',
    buckets: [1, 4, 16, 64, 256, 1024, 4096],
    registers: [this.registry],
  })
  readonly influxWriteSeconds = new Histogram({
    name: 'aedgw_influx_write_duration_seconds',
    help: 'Duration of InfluxDB write requests',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  })
  readonly influxWriteFailures = new Counter({
    name: 'aedgw_influx_write_failures_total',
    help: 'Failed InfluxDB write requests, by kind (network, server, client)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })
  readonly influxLines = new Counter({
    name: 'aedgw_influx_lines_written_total',
    help: 'Lines InfluxDB accepted',
    registers: [this.registry],
  })
  readonly connected = new Gauge({
    name: 'aedgw_connected_cabinets',
    help: 'Cabinets connected now',
    registers: [this.registry],
  })
  readonly loginFailures = new Counter({
    name: 'aedgw_login_failures_total',
    help: 'Refused MQTT CONNECTs, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })
  readonly aclDenied = new Counter({
    name: 'aedgw_acl_denied_total',
    help: 'PUBLISH or SUBSCRIBE refused by the ACL, by action',
    labelNames: ['action'] as const,
    registers: [this.registry],
  })
  readonly pruned = new Counter({
    name: 'aedgw_pruned_total',
    help: 'Old entries deleted from the gateway databases, by kind (resolved_alerts, failed_deliveries, quarantine)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })
  readonly alertsOpen = new Gauge({
    name: 'aedgw_alerts_open',
    help: 'Alerts not resolved, by type and severity',
    labelNames: ['type', 'severity'] as const,
    registers: [this.registry],
  })
  readonly alertAckSeconds = new Histogram({
    name: 'aedgw_alert_time_to_acknowledge_seconds',
    help: 'From an alert opening to its acknowledgement by a person, by type',
    labelNames: ['type'] as const,
    // one minute to a week: responders act in minutes, maintenance in days
    buckets: [60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400],
    registers: [this.registry],
  })
  readonly lateHistoryPending = new Gauge({
    name: 'aedgw_late_history_pending_cabinets',
    help: 'Cabinets whose readiness history waits to be recomputed from late readings (feeds/late-history.ts)',
    registers: [this.registry],
  })
  readonly heapReleasePending = new Gauge({
    name: 'aedgw_heap_release_pending',
    help: '1 while a burst of work (a backlog, a late-history recompute) is on or just over and the heap it grew is still to be given back (lib/heap-release.ts)',
    registers: [this.registry],
  })
  readonly heapReleasePause = new Histogram({
    name: 'aedgw_heap_release_pause_seconds',
    help: 'How long the main thread stopped for each full collection that gave back the heap a burst of work grew',
    buckets: [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6],
    registers: [this.registry],
  })

  /**
   * Sets the gauges that are read from the stages rather than counted (outbox depth and age,
   * connected cabinets); the composition root provides it, every reader of the metrics calls it.
   */
  refresh: () => void = () => undefined

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'aedgw_' })
  }
}
