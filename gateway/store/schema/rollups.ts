import { ALERT } from './alert.ts'
import { EVENT } from './event.ts'
import { GATEWAY } from './gateway.ts'
import { HEARTBEAT } from './heartbeat.ts'
import { type FieldType, type Measurement, measurement } from './measurement.ts'

type Aggregate<M extends Measurement> = readonly [
  'mean' | 'min' | 'max' | 'count',
  keyof M['fields'] & string,
  string,
]

/** An hourly rollup: a continuous query from `source` (raw policy) into `target` (rollup policy). */
export interface Rollup {
  /** Continuous query name; also names the rollup in logs. */
  name: string
  source: string
  target: string
  /** The SELECT clause (aggregates with AS names), without INTO/FROM. */
  select: string
  /** What the rollup writes: `GROUP BY time(1h), *` keeps every tag of the source. */
  measurement: Measurement
}

/** InfluxQL result types: mean is a float, count an integer, min and max keep the field's type. */
function resultType(fn: Aggregate<Measurement>[0], source: FieldType): FieldType {
  if (fn === 'mean') return 'float'
  if (fn === 'count') return 'integer'
  return source
}

function rollup<M extends Measurement>(source: M, aggregates: ReadonlyArray<Aggregate<M>>): Rollup {
  const target = `${source.name}_1h`
  const fields: Record<string, FieldType> = {}
  for (const [fn, of, as] of aggregates) fields[as] = resultType(fn, source.fields[of] as FieldType)
  return {
    name: `cq_${target}`,
    source: source.name,
    target,
    select: aggregates.map(([fn, of, as]) => `${fn}("${of}") AS "${as}"`).join(', '),
    measurement: measurement({ name: target, tags: source.tags, fields }),
  }
}

/**
 * Hourly rollups. `GROUP BY time(1h), *` keeps every tag, so a rollup is queried with the same
 * WHERE clauses as its raw measurement. Counters of the gateway are cumulative, so their hourly
 * max still yields rates through non_negative_derivative.
 */
export const ROLLUPS: readonly Rollup[] = [
  rollup(HEARTBEAT, [
    ['mean', 'battery_pct', 'battery_pct'],
    ['min', 'battery_pct', 'battery_pct_min'],
    ['mean', 'temp_c', 'temp_c'],
    ['max', 'temp_c', 'temp_c_max'],
    ['min', 'pad_days_left', 'pad_days_left'],
    ['min', 'battery_days_left', 'battery_days_left'],
    ['min', 'rssi_dbm', 'rssi_dbm_min'],
    ['count', 'seq', 'heartbeats'],
  ]),
  rollup(EVENT, [['count', 'seq', 'events']]),
  rollup(ALERT, [['count', 'id', 'transitions']]),
  rollup(GATEWAY, [
    ['max', 'received_total', 'received_total'],
    ['max', 'accepted_total', 'accepted_total'],
    ['max', 'rejected_total', 'rejected_total'],
    ['max', 'outbox_depth', 'outbox_depth_max'],
    ['max', 'outbox_oldest_age_s', 'outbox_oldest_age_s_max'],
    ['max', 'influx_write_p99_ms', 'influx_write_p99_ms_max'],
    ['mean', 'connected', 'connected'],
    ['min', 'connected', 'connected_min'],
  ]),
]
