import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { classify, type InfluxApi } from './influx.ts'

export type RetentionConfig = Config['retention']

/** Retention policy names: dashboards query `"rollup"."heartbeat_1h"`, and raw data by default. */
export const RAW_RP = 'raw'
export const ROLLUP_RP = 'rollup'

export interface Rollup {
  /** Continuous query name; also names the rollup in logs. */
  name: string
  source: string
  target: string
  /** The SELECT clause (aggregates with AS names), without INTO/FROM. */
  select: string
}

/**
 * Hourly rollups. `GROUP BY time(1h), *` keeps every tag, so a rollup is queried with the same
 * WHERE clauses as its raw measurement. Counters of the gateway are cumulative, so their hourly
 * max still yields rates through non_negative_derivative.
 */
export const ROLLUPS: readonly Rollup[] = [
  {
    name: 'cq_heartbeat_1h',
    source: 'heartbeat',
    target: 'heartbeat_1h',
    select:
      'mean("battery_pct") AS "battery_pct", min("battery_pct") AS "battery_pct_min", ' +
      'mean("temp_c") AS "temp_c", max("temp_c") AS "temp_c_max", ' +
      'min("pad_days_left") AS "pad_days_left", min("battery_days_left") AS "battery_days_left", ' +
      'min("rssi_dbm") AS "rssi_dbm_min", count("seq") AS "heartbeats"',
  },
  { name: 'cq_event_1h', source: 'event', target: 'event_1h', select: 'count("seq") AS "events"' },
  { name: 'cq_alert_1h', source: 'alert', target: 'alert_1h', select: 'count("id") AS "transitions"' },
  {
    name: 'cq_gateway_1h',
    source: 'gateway',
    target: 'gateway_1h',
    select:
      'max("received_total") AS "received_total", max("accepted_total") AS "accepted_total", ' +
      'max("rejected_total") AS "rejected_total", max("outbox_depth") AS "outbox_depth_max", ' +
      'max("outbox_oldest_age_s") AS "outbox_oldest_age_s_max", ' +
      'max("influx_write_p99_ms") AS "influx_write_p99_ms_max", ' +
      'mean("connected") AS "connected", min("connected") AS "connected_min"',
  },
]

/** InfluxQL identifier quoting (https://docs.influxdata.com/influxdb/v1/query_language/spec/#identifiers). */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

function days(n: number): string {
  return n === 0 ? 'INF' : `${n}d`
}

/** The SELECT … INTO a continuous query runs each hour, bounded by `where` when backfilling. */
export function rollupSelect(db: string, r: Rollup, where = ''): string {
  const into = `${ident(db)}.${ident(ROLLUP_RP)}.${ident(r.target)}`
  const from = `${ident(db)}.${ident(RAW_RP)}.${ident(r.source)}`
  return `SELECT ${r.select} INTO ${into} FROM ${from}${where ? ` WHERE ${where}` : ''} GROUP BY time(1h), *`
}

export function continuousQuery(db: string, r: Rollup, lookbackHours: number): string {
  // RESAMPLE FOR recomputes past hours, so late points (a cabinet's buffered backlog) are counted
  // (https://docs.influxdata.com/influxdb/v1/query_language/continuous_queries/#advanced-syntax)
  return (
    `CREATE CONTINUOUS QUERY ${ident(r.name)} ON ${ident(db)} ` +
    `RESAMPLE EVERY 1h FOR ${lookbackHours}h BEGIN ${rollupSelect(db, r)} END`
  )
}

export interface RetentionDeps {
  influx: InfluxApi
  db: string
  version: 1 | 2 | 3
  config: RetentionConfig
  log: Logger
}

/**
 * InfluxDB 1.x only: makes "raw" (raw_days) the default retention policy, creates "rollup"
 * (rollup_days) and (re)creates the hourly continuous queries. Idempotent; a changed duration is
 * applied with ALTER. A refusal (e.g. a user without admin rights) is logged and writing goes
 * on; only an unreachable InfluxDB is thrown, for the writer to retry.
 */
export async function setupRetention(deps: RetentionDeps): Promise<void> {
  const { influx, db, config, log } = deps
  if (deps.version !== 1 || !config.manage) return
  try {
    const existing = await retentionPolicies(influx, db)
    await ensurePolicy(influx, db, existing, RAW_RP, days(config.raw_days), true)
    await ensurePolicy(influx, db, existing, ROLLUP_RP, days(config.rollup_days), false)
    const cqs = await continuousQueryNames(influx, db)
    for (const r of ROLLUPS) {
      // recreated at each start, so a changed lookback takes effect
      if (cqs.has(r.name)) await influx.query(`DROP CONTINUOUS QUERY ${ident(r.name)} ON ${ident(db)}`, post)
      await influx.query(continuousQuery(db, r, config.rollup_lookback_hours), post)
    }
    log.info(
      { raw_days: config.raw_days, rollup_days: config.rollup_days, rollups: ROLLUPS.map((r) => r.target) },
      'retention policies and hourly rollups in place',
    )
  } catch (err) {
    if (!isRefusal(err)) throw err
    log.error(
      { err: err instanceof Error ? err.message : String(err) },
      'could not set up retention policies (needs an InfluxDB admin user): raw data is kept by the database default',
    )
  }
}

/** InfluxDB answered, and said no (a statement error, 401, 403): retrying will not help. */
function isRefusal(err: unknown): boolean {
  if (err instanceof Error && err.message.startsWith('InfluxQL:')) return true
  return classify(err).kind === 'client'
}

const post = { method: 'POST' as const, db: '' }

async function retentionPolicies(influx: InfluxApi, db: string): Promise<Map<string, string>> {
  const [series = []] = await influx.query(`SHOW RETENTION POLICIES ON ${ident(db)}`, { db: '' })
  const out = new Map<string, string>()
  for (const s of series) {
    const name = s.columns.indexOf('name')
    const duration = s.columns.indexOf('duration')
    for (const v of s.values ?? []) out.set(String(v[name]), String(v[duration]))
  }
  return out
}

async function ensurePolicy(
  influx: InfluxApi,
  db: string,
  existing: Map<string, string>,
  name: string,
  duration: string,
  isDefault: boolean,
): Promise<void> {
  const verb = existing.has(name) ? 'ALTER' : 'CREATE'
  const replication = verb === 'CREATE' ? ' REPLICATION 1' : ''
  const q = `${verb} RETENTION POLICY ${ident(name)} ON ${ident(db)} DURATION ${duration}${replication}`
  await influx.query(`${q}${isDefault ? ' DEFAULT' : ''}`, post)
}

async function continuousQueryNames(influx: InfluxApi, db: string): Promise<Set<string>> {
  const [series = []] = await influx.query('SHOW CONTINUOUS QUERIES', { db: '' })
  const names = new Set<string>()
  for (const s of series) {
    if (s.name !== db) continue
    const col = s.columns.indexOf('name')
    for (const v of s.values ?? []) names.add(String(v[col]))
  }
  return names
}

/**
 * Computes the rollups of [fromMs, toMs) now, a week at a time: continuous queries only cover
 * the last `rollup_lookback_hours`, so data imported or backfilled further back needs this
 * (https://docs.influxdata.com/influxdb/v1/query_language/continuous_queries/#continuous-queries-and-backfilling).
 * Returns the number of rollup points written.
 */
export async function backfillRollups(
  influx: InfluxApi,
  db: string,
  fromMs: number,
  toMs: number,
  chunkMs = 7 * 86_400_000,
): Promise<number> {
  const hour = 3_600_000
  let written = 0
  for (let start = Math.floor(fromMs / hour) * hour; start < toMs; start += chunkMs) {
    const end = Math.min(start + chunkMs, Math.ceil(toMs / hour) * hour)
    for (const r of ROLLUPS) {
      const where = `time >= ${start}ms AND time < ${end}ms`
      const [series = []] = await influx.query(rollupSelect(db, r, where), post)
      for (const s of series) {
        const col = s.columns.indexOf('written')
        for (const v of s.values ?? []) written += Number(v[col] ?? 0)
      }
    }
  }
  return written
}
