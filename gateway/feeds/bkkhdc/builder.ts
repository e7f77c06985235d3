import type { Registry } from '../../registry/registry.ts'
import type { InfluxApi } from '../../store/influx.ts'
import { aggregate, type RegisteredCabinet } from './aggregate.ts'
import { readCoverageHistory } from './coverage-share.ts'
import { buildDataset, type Dataset } from './dataset.ts'
import { applyPattern, type SuppressionPattern } from './pattern.ts'
import { type Period, periodOf } from './period.ts'
import { type History, readHistory } from './queries.ts'

export interface BuilderDeps {
  influx: Pick<InfluxApi, 'query'>
  registry: Pick<Registry, 'list'>
  clock: () => number
  /**
   * Alerts raised in the period per district and type, when they are not read from InfluxDB's
   * `alert` measurement (worker mode keeps alert transitions in PostgreSQL only).
   */
  alertsOf?: (period: Period) => Promise<History['alerts']>
}

/** The registry as the dataset sees it: district and service dates only. */
export function registeredCabinets(registry: Pick<Registry, 'list'>): RegisteredCabinet[] {
  return registry.list().map((c) => ({
    id: c.registration.id,
    district: c.registration.district_code,
    createdMs: Date.parse(c.createdAt),
    retiredMs: c.retired ? Date.parse(c.updatedAt) : null,
  }))
}

/**
 * Builds one month's dataset from InfluxDB history and the registry. A rebuild passes the first
 * build's pattern: the same districts grouped, every cell it suppressed suppressed again.
 */
export async function buildMonth(
  deps: BuilderDeps,
  month: string,
  id: string,
  pattern: SuppressionPattern | null = null,
): Promise<Dataset> {
  const period = periodOf(month)
  const history = await readHistory(deps.influx, period)
  history.coverage = await readCoverageHistory(deps.influx, period.startMs, period.endMs)
  if (deps.alertsOf) history.alerts = await deps.alertsOf(period)
  const tables = aggregate(period, history, registeredCabinets(deps.registry), pattern?.grouped)
  if (pattern) applyPattern(tables, pattern)
  return buildDataset(id, period, tables, deps.clock(), pattern?.datasetId ?? null)
}
