import { Point } from '@influxdata/influxdb-client'
import type { CabinetEvent } from '../protocol/event.ts'
import type { Heartbeat } from '../protocol/heartbeat.ts'
import type { CabinetStatus } from '../protocol/status.ts'

/**
 * InfluxDB schema (docs/influxdb-schema.md). Tags are low-cardinality only: cabinet id and
 * district code (and event type). Timestamps are epoch milliseconds (write precision ms).
 * A point is identified by measurement + tags + time, so a redelivered message overwrites its
 * first copy instead of adding a second (https://docs.influxdata.com/influxdb/v1/troubleshooting/frequently-asked-questions/#how-does-influxdb-handle-duplicate-points).
 */
export const MEASUREMENT = { heartbeat: 'heartbeat', event: 'event', status: 'status' } as const

export interface PointMeta {
  cabinet: string
  district: string
  /** Point time: the device's time (status: the receive time). */
  timeMs: number
  receivedMs: number
  skewMs: number
  skewed: boolean
}

const DAY_MS = 86_400_000
// Bangkok keeps UTC+7 all year (no daylight saving): calendar days are counted in its local time.
const BANGKOK_OFFSET_MS = 7 * 3_600_000

/** Calendar days from the reading's Bangkok date to `date` (0 on the day itself, negative after). */
export function daysUntil(date: string, fromMs: number): number {
  const today = Math.floor((fromMs + BANGKOK_OFFSET_MS) / DAY_MS)
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS) - today
}

function base(measurement: string, m: PointMeta): Point {
  return new Point(measurement)
    .tag('cabinet', m.cabinet)
    .tag('district', m.district)
    .intField('received_ms', m.receivedMs)
    .timestamp(String(m.timeMs))
}

export function heartbeatLine(
  h: Heartbeat,
  m: PointMeta,
  extra?: Record<string, string | number | boolean>,
): string {
  const p = base(MEASUREMENT.heartbeat, m)
    .intField('seq', h.seq)
    .floatField('battery_pct', h.battery_pct)
    .stringField('pad_expiry', h.pad_expiry)
    .intField('pad_days_left', daysUntil(h.pad_expiry, h.ts))
    .booleanField('door_open', h.door === 'open')
    .intField('skew_ms', m.skewMs)
    .booleanField('clock_skew', m.skewed)
  if (h.boot !== undefined) p.stringField('boot', h.boot)
  if (h.battery_expiry !== undefined) {
    p.stringField('battery_expiry', h.battery_expiry).intField(
      'battery_days_left',
      daysUntil(h.battery_expiry, h.ts),
    )
  }
  if (h.pad_type !== undefined) p.stringField('pad_type', h.pad_type)
  if (h.aed_present !== undefined) p.booleanField('aed_present', h.aed_present)
  if (h.temp_c !== undefined) p.floatField('temp_c', h.temp_c)
  if (h.self_test !== undefined) p.stringField('self_test', h.self_test)
  if (h.power !== undefined) p.stringField('power', h.power)
  if (h.rssi_dbm !== undefined) p.intField('rssi_dbm', h.rssi_dbm)
  if (h.fw !== undefined) p.stringField('fw', h.fw)
  if (h.interval_s !== undefined) p.intField('interval_s', h.interval_s)
  if (extra) {
    for (const [k, v] of Object.entries(extra)) {
      if (typeof v === 'number') p.floatField(`x_${k}`, v)
      else if (typeof v === 'boolean') p.booleanField(`x_${k}`, v)
      else p.stringField(`x_${k}`, v)
    }
  }
  return p.toLineProtocol() as string
}

export function eventLine(e: CabinetEvent, m: PointMeta): string {
  const p = base(MEASUREMENT.event, m)
    .tag('type', e.type)
    .intField('seq', e.seq)
    .intField('skew_ms', m.skewMs)
    .booleanField('clock_skew', m.skewed)
  if (e.boot !== undefined) p.stringField('boot', e.boot)
  if (e.result !== undefined) p.stringField('result', e.result)
  if (e.detail !== undefined) p.stringField('detail', e.detail)
  return p.toLineProtocol() as string
}

export function statusLine(status: CabinetStatus, m: PointMeta): string {
  return base(MEASUREMENT.status, m)
    .booleanField('online', status === 'online')
    .toLineProtocol() as string
}
