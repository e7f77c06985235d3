import { hostname } from 'node:os'
import type { Logger } from 'pino'
import type { Metrics } from '../lib/metrics.ts'
import type { Outbox } from './outbox.ts'
import { type GatewaySnapshot, gatewayLines } from './schema/index.ts'

/** The outbox row's cabinet for self-metrics lines: not a valid cabinet id, so never a cabinet's. */
export const SELF_CABINET = '_gateway'

interface Sample {
  value: number
  labels: Record<string, string | number | undefined>
  metricName?: string
}

async function samples(metrics: Metrics, name: string): Promise<Sample[]> {
  const metric = metrics.registry.getSingleMetric(name)
  if (!metric) return []
  const data = await metric.get()
  return data.values as Sample[]
}

async function total(metrics: Metrics, name: string): Promise<number> {
  return (await samples(metrics, name)).reduce((n, s) => n + s.value, 0)
}

/** Cumulative histogram buckets: upper bound (seconds; Infinity for +Inf) → count. */
export type Buckets = Map<number, number>

async function buckets(metrics: Metrics, name: string): Promise<Buckets> {
  const out: Buckets = new Map()
  for (const s of await samples(metrics, name)) {
    if (s.metricName !== `${name}_bucket`) continue
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le)
    out.set(le, s.value)
  }
  return out
}

/**
 * Quantile of the observations between two readings of a cumulative histogram, interpolated
 * linearly inside the bucket, as Prometheus's histogram_quantile does
 * (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile).
 * Null when nothing was observed in between.
 */
export function quantileBetween(before: Buckets, after: Buckets, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b)
  const delta = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0)
  const count = delta(Number.POSITIVE_INFINITY)
  if (count <= 0) return null
  const rank = q * count
  let lower = 0
  let below = 0
  for (const le of bounds) {
    const upTo = delta(le)
    if (upTo >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lower
      const inBucket = upTo - below
      return inBucket === 0 ? le : lower + (le - lower) * ((rank - below) / inBucket)
    }
    lower = le
    below = upTo
  }
  return lower
}

export interface SelfMetricsDeps {
  metrics: Metrics
  outbox: Pick<Outbox, 'append' | 'accepting'>
  intervalS: number
  clock: () => number
  log: Logger
  instance?: string
}

/**
 * Every `intervalS` seconds, reads the gateway's Prometheus metrics and appends them as line
 * protocol to the outbox, so they reach InfluxDB by the same durable path as cabinet readings
 * (and are written once InfluxDB is back after an outage).
 */
export class SelfMetrics {
  private readonly deps: SelfMetricsDeps
  private readonly instance: string
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private lastBuckets: Buckets = new Map()

  constructor(deps: SelfMetricsDeps) {
    this.deps = deps
    this.instance = deps.instance ?? hostname()
  }

  start(): void {
    if (this.deps.intervalS <= 0) return
    this.schedule()
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.inFlight
  }

  /** Reads the metrics now; gauges the /metrics route refreshes lazily are refreshed here too. */
  async snapshot(): Promise<GatewaySnapshot> {
    const { metrics } = this.deps
    metrics.refresh()
    const latency = 'aedgw_influx_write_duration_seconds'
    const current = await buckets(metrics, latency)
    const p50 = quantileBetween(this.lastBuckets, current, 0.5)
    const p99 = quantileBetween(this.lastBuckets, current, 0.99)
    this.lastBuckets = current
    const byReason: Record<string, number> = {}
    for (const s of await samples(metrics, 'aedgw_messages_rejected_total'))
      byReason[String(s.labels.reason)] = (byReason[String(s.labels.reason)] ?? 0) + s.value
    return {
      received_total: await total(metrics, 'aedgw_messages_received_total'),
      accepted_total: await total(metrics, 'aedgw_messages_accepted_total'),
      rejected_total: await total(metrics, 'aedgw_messages_rejected_total'),
      duplicates_total: await total(metrics, 'aedgw_messages_duplicate_total'),
      quarantined_total: await total(metrics, 'aedgw_quarantined_total'),
      influx_lines_total: await total(metrics, 'aedgw_influx_lines_written_total'),
      influx_write_failures_total: await total(metrics, 'aedgw_influx_write_failures_total'),
      outbox_depth: await total(metrics, 'aedgw_outbox_depth'),
      outbox_bytes: await total(metrics, 'aedgw_outbox_bytes'),
      outbox_oldest_age_s: await total(metrics, 'aedgw_outbox_oldest_age_seconds'),
      connected: await total(metrics, 'aedgw_connected_cabinets'),
      influx_write_p50_ms: p50 === null ? null : p50 * 1000,
      influx_write_p99_ms: p99 === null ? null : p99 * 1000,
      rejected_by_reason: byReason,
    }
  }

  /** One round: snapshot → line protocol → outbox. Never throws (a missed round is logged). */
  async tick(): Promise<void> {
    try {
      const ok = this.deps.outbox.accepting()
      if (!ok.ok) {
        this.deps.log.debug({ reason: ok.reason }, 'self-metrics skipped: outbox not accepting')
        return
      }
      const now = this.deps.clock()
      const lines = gatewayLines(await this.snapshot(), this.instance, now)
      await Promise.all(lines.map((line) => this.deps.outbox.append(SELF_CABINET, line, now)))
    } catch (err) {
      this.deps.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'self-metrics round failed',
      )
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => {
        this.inFlight = null
        if (this.timer) this.schedule()
      })
    }, this.deps.intervalS * 1000)
  }
}
