import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { classify, type InfluxApi } from './influx.ts'
import { ROLLUPS, type Rollup } from './schema/index.ts'
import { cabinetIs } from './schema/read-back.ts'

/** The InfluxDB side of `retention:` (`prune` is the gateway's own databases': pruner.ts). */
export type RetentionConfig = Omit<Config['retention'], 'prune'>

/** Retention policy names: dashboards query `"rollup"."heartbeat_1h"`, and raw data by default. */
export const RAW_RP = 'raw'
export const ROLLUP_RP = 'rollup'

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
 * Computes the rollups of [fromMs, toMs) now (of one cabinet's measurements, with `only`), a week at a time: continuous queries only cover
 * the last `rollup_lookback_hours`, so data imported or backfilled further back needs this
 * (https://docs.influxdata.com/influxdb/v1/query_language/continuous_queries/#continuous-queries-and-backfilling).
 * Returns the number of rollup points written.
 */
export async function backfillRollups(
  influx: Pick<InfluxApi, 'query'>,
  db: string,
  fromMs: number,
  toMs: number,
  chunkMs = 7 * 86_400_000,
  only?: { cabinet: string },
): Promise<number> {
  const hour = 3_600_000
  let written = 0
  // one cabinet's hours are recomputed from its own points only: rollups keep the cabinet tag
  const rollups = only
    ? ROLLUPS.filter((r) => (r.measurement.tags as readonly string[]).includes('cabinet'))
    : ROLLUPS
  const cabinet = only ? `${cabinetIs(only.cabinet)} AND ` : ''
  for (let start = Math.floor(fromMs / hour) * hour; start < toMs; start += chunkMs) {
    const end = Math.min(start + chunkMs, Math.ceil(toMs / hour) * hour)
    for (const r of rollups) {
      const where = `${cabinet}time >= ${start}ms AND time < ${end}ms`
      const [series = []] = await influx.query(rollupSelect(db, r, where), post)
      for (const s of series) {
        const col = s.columns.indexOf('written')
        for (const v of s.values ?? []) written += Number(v[col] ?? 0)
      }
    }
  }
  return written
}
