import type { Heartbeat } from '../../protocol/heartbeat.ts'
import { Line, measurement } from './measurement.ts'
import { type PointMeta, READING_TAGS, readingTags } from './reading.ts'

export const HEARTBEAT = measurement({
  name: 'heartbeat',
  tags: READING_TAGS,
  fields: {
    seq: 'integer',
    boot: 'string',
    battery_pct: 'float',
    battery_expiry: 'string',
    battery_days_left: 'integer',
    pad_expiry: 'string',
    pad_days_left: 'integer',
    pad_type: 'string',
    door_open: 'boolean',
    aed_present: 'boolean',
    temp_c: 'float',
    self_test: 'string',
    power: 'string',
    rssi_dbm: 'integer',
    fw: 'string',
    interval_s: 'integer',
    received_ms: 'integer',
    skew_ms: 'integer',
    clock_skew: 'boolean',
  },
  extraPrefix: 'x_',
})

const DAY_MS = 86_400_000
// Bangkok keeps UTC+7 all year (no daylight saving): calendar days are counted in its local time.
const BANGKOK_OFFSET_MS = 7 * 3_600_000

/** Calendar days from the reading's Bangkok date to `date` (0 on the day itself, negative after). */
export function daysUntil(date: string, fromMs: number): number {
  const today = Math.floor((fromMs + BANGKOK_OFFSET_MS) / DAY_MS)
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS) - today
}

/** A heartbeat at the device's time; `extra` (unknown keys, when kept) become `x_` fields. */
export function heartbeatLine(
  h: Heartbeat,
  m: PointMeta,
  extra?: Record<string, string | number | boolean>,
): string {
  const line = new Line(HEARTBEAT, readingTags(m), m.timeMs)
    .set('received_ms', m.receivedMs)
    .set('seq', h.seq)
    .set('battery_pct', h.battery_pct)
    .set('pad_expiry', h.pad_expiry)
    .set('pad_days_left', daysUntil(h.pad_expiry, h.ts))
    .set('door_open', h.door === 'open')
    .set('skew_ms', m.skewMs)
    .set('clock_skew', m.skewed)
    .set('boot', h.boot)
    .set('battery_expiry', h.battery_expiry)
    .set('battery_days_left', h.battery_expiry === undefined ? undefined : daysUntil(h.battery_expiry, h.ts))
    .set('pad_type', h.pad_type)
    .set('aed_present', h.aed_present)
    .set('temp_c', h.temp_c)
    .set('self_test', h.self_test)
    .set('power', h.power)
    .set('rssi_dbm', h.rssi_dbm)
    .set('fw', h.fw)
    .set('interval_s', h.interval_s)
  for (const [k, v] of Object.entries(extra ?? {})) line.extra(k, v)
  return line.toString()
}
