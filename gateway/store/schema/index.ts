/**
 * The InfluxDB schema (docs/influxdb-schema.md): every measurement the gateway writes, its tags
 * and fields, and the functions that build its line protocol. Nothing else in gateway/ spells a
 * measurement, tag or field name. Tags are low-cardinality values only; timestamps are epoch
 * milliseconds (write precision ms). A point is identified by measurement + tags + time, so a
 * redelivered message overwrites its first copy instead of adding a second
 * (https://docs.influxdata.com/influxdb/v1/troubleshooting/frequently-asked-questions/#how-does-influxdb-handle-duplicate-points).
 */
import { ALERT } from './alert.ts'
import { COVERAGE } from './coverage.ts'
import { EVENT } from './event.ts'
import { GATEWAY, GATEWAY_REJECTIONS } from './gateway.ts'
import { HEARTBEAT } from './heartbeat.ts'
import type { Measurement } from './measurement.ts'
import { READINESS } from './readiness.ts'
import { STATUS } from './status.ts'

export { ALERT, alertLine } from './alert.ts'
export { COVERAGE, type CoverageFacts, coverageLine } from './coverage.ts'
export { EVENT, eventLine } from './event.ts'
export { GATEWAY, GATEWAY_REJECTIONS, type GatewaySnapshot, gatewayLines } from './gateway.ts'
export { daysUntil, HEARTBEAT, heartbeatLine } from './heartbeat.ts'
export { type FieldType, influxql, type Measurement } from './measurement.ts'
export { READINESS, type ReadinessPoint, readinessLine } from './readiness.ts'
export type { PointMeta } from './reading.ts'
export { ROLLUPS, type Rollup } from './rollups.ts'
export { STATUS, statusLine } from './status.ts'

/** Every measurement the gateway writes itself (rollups are written by InfluxDB: ROLLUPS). */
export const MEASUREMENTS: readonly Measurement[] = [
  HEARTBEAT,
  EVENT,
  STATUS,
  ALERT,
  READINESS,
  GATEWAY,
  GATEWAY_REJECTIONS,
  COVERAGE,
]
