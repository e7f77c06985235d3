import type { InfluxApi, InfluxSeries } from '../../store/influx.ts'
import { ALERT, EVENT, HEARTBEAT, influxql, READINESS } from '../../store/schema/index.ts'
import { bangkokDate } from '../bangkok-time.ts'
import type { CoverageHistory } from './coverage-share.ts'
import type { Period } from './period.ts'

export interface ReadinessPoint {
  atMs: number
  state: string
  codes: string | null
}

/** What a month's dataset is computed from, read from InfluxDB with explicit epoch-ms bounds. */
export interface History {
  /** Per cabinet: its district, the readiness in force at the period start, the changes within. */
  readiness: Map<string, { district: string; initial: ReadinessPoint | null; points: ReadinessPoint[] }>
  /** Cabinets that sent at least one heartbeat, per Bangkok day. */
  reporting: Array<{ cabinet: string; district: string; date: string }>
  /** `event` points of type aed_removed, per district. */
  aedUses: Map<string, number>
  /** Alerts raised (transition open or reopen), per district and alert type. */
  alerts: Map<string, Map<string, number>>
  /** The last pad and battery expiry dates each cabinet reported in the month. */
  expiries: Array<{ cabinet: string; district: string; pad: string | null; battery: string | null }>
  /** District coverage over the month (gateway/feeds/bkkhdc/coverage-share.ts). */
  coverage?: Map<string, CoverageHistory>
}

function rows(series: InfluxSeries[]): Array<Record<string, unknown>> {
  return series.flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  )
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

const readiness = influxql(READINESS)
const heartbeat = influxql(HEARTBEAT)
const event = influxql(EVENT)
const alert = influxql(ALERT)

export async function readHistory(influx: Pick<InfluxApi, 'query'>, p: Period): Promise<History> {
  const range = `time >= ${p.startMs}ms AND time < ${p.endMs}ms`
  const r = readiness.key
  const perCabinet = `GROUP BY ${r('cabinet')}, ${r('district')}`
  const [before, within, beats, uses, alerts, expiries] = await Promise.all([
    influx.query(
      `SELECT last(${r('state')}) AS "state", ${r('reason_codes')} FROM ${readiness.from} WHERE time < ${p.startMs}ms ${perCabinet}`,
    ),
    influx.query(
      `SELECT ${r('state')}, ${r('reason_codes')} FROM ${readiness.from} WHERE ${range} ${perCabinet}`,
    ),
    // day buckets start at Bangkok midnight (InfluxQL tz() clause)
    influx.query(
      `SELECT count(${heartbeat.key('seq')}) FROM ${heartbeat.from} WHERE ${range} GROUP BY time(1d), ${heartbeat.key('cabinet')}, ${heartbeat.key('district')} fill(none) tz('Asia/Bangkok')`,
    ),
    influx.query(
      `SELECT count(${event.key('seq')}) FROM ${event.from} WHERE ${event.key('type')} = 'aed_removed' AND ${range} GROUP BY ${event.key('district')}`,
    ),
    influx.query(
      `SELECT ${alert.key('kind')} FROM ${alert.from} WHERE ${range} GROUP BY ${alert.key('district')}, ${alert.key('type')}`,
    ),
    influx.query(
      `SELECT last(${heartbeat.key('pad_expiry')}) AS "pad", last(${heartbeat.key('battery_expiry')}) AS "battery" FROM ${heartbeat.from} WHERE ${range} GROUP BY ${heartbeat.key('cabinet')}, ${heartbeat.key('district')}`,
    ),
  ])
  const h: History = {
    readiness: new Map(),
    reporting: [],
    aedUses: new Map(),
    alerts: new Map(),
    expiries: [],
  }
  const entry = (cabinet: string, district: string) => {
    let e = h.readiness.get(cabinet)
    if (!e) {
      e = { district, initial: null, points: [] }
      h.readiness.set(cabinet, e)
    }
    return e
  }
  for (const r of rows(before[0] ?? [])) {
    const state = str(r.state)
    if (state)
      entry(String(r.cabinet), String(r.district)).initial = {
        atMs: Number(r.time),
        state,
        codes: str(r.reason_codes),
      }
  }
  for (const r of rows(within[0] ?? [])) {
    const state = str(r.state)
    if (state)
      entry(String(r.cabinet), String(r.district)).points.push({
        atMs: Number(r.time),
        state,
        codes: str(r.reason_codes),
      })
  }
  for (const e of h.readiness.values()) e.points.sort((a, b) => a.atMs - b.atMs)
  for (const r of rows(beats[0] ?? [])) {
    if (Number(r.count) > 0)
      h.reporting.push({
        cabinet: String(r.cabinet),
        district: String(r.district),
        date: bangkokDate(Number(r.time)),
      })
  }
  for (const r of rows(uses[0] ?? [])) h.aedUses.set(String(r.district), Number(r.count))
  for (const r of rows(alerts[0] ?? [])) {
    const kind = str(r.kind)
    if (kind !== 'open' && kind !== 'reopen') continue
    const byType = h.alerts.get(String(r.district)) ?? new Map<string, number>()
    byType.set(String(r.type), (byType.get(String(r.type)) ?? 0) + 1)
    h.alerts.set(String(r.district), byType)
  }
  for (const r of rows(expiries[0] ?? []))
    h.expiries.push({
      cabinet: String(r.cabinet),
      district: String(r.district),
      pad: str(r.pad),
      battery: str(r.battery),
    })
  return h
}
