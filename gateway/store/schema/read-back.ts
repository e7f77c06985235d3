import type { CabinetEvent, EventType } from '../../protocol/event.ts'
import { EVENT_TYPES } from '../../protocol/event.ts'
import type { Heartbeat } from '../../protocol/heartbeat.ts'
import { EVENT } from './event.ts'
import { HEARTBEAT } from './heartbeat.ts'
import { influxql } from './measurement.ts'
import { READINESS } from './readiness.ts'

/**
 * Reading back what the gateway wrote: a cabinet's stored heartbeats and events, as the payloads
 * they were written from, so readiness can be recomputed in device time (feeds/late-history.ts).
 * Fields the heartbeat measurement does not keep (`self_test_at`) are absent.
 */

const hb = influxql(HEARTBEAT)
const ev = influxql(EVENT)
const rd = influxql(READINESS)

/** InfluxQL string literal (https://docs.influxdata.com/influxdb/v1/query_language/spec/#strings). */
function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** `"cabinet" = '…'`: the tag every cabinet reading, alert and readiness point carries. */
export function cabinetIs(cabinet: string): string {
  return `${hb.key('cabinet')} = ${literal(cabinet)}`
}

const DAY_MS = 86_400_000
const range = (fromMs: number, toMs: number) => `time >= ${fromMs}ms AND time <= ${toMs}ms`

/** The cabinet's heartbeats with device time in [fromMs, toMs], oldest first. */
export function heartbeatsQuery(cabinet: string, fromMs: number, toMs: number): string {
  const cols = [
    'seq',
    'boot',
    'battery_pct',
    'battery_expiry',
    'pad_expiry',
    'pad_type',
    'door_open',
    'aed_present',
    'temp_c',
    'self_test',
    'power',
    'rssi_dbm',
    'fw',
    'interval_s',
  ] as const
  return `SELECT ${cols.map((c) => hb.key(c)).join(', ')} FROM ${hb.from} WHERE ${hb.key('cabinet')} = ${literal(cabinet)} AND ${range(fromMs, toMs)}`
}

/** The cabinet's events with device time in [fromMs, toMs], oldest first, their type as a column. */
export function eventsQuery(cabinet: string, fromMs: number, toMs: number): string {
  return `SELECT ${ev.key('seq')}, ${ev.key('boot')}, ${ev.key('result')}, ${ev.key('detail')}, ${ev.key('type')} FROM ${ev.from} WHERE ${ev.key('cabinet')} = ${literal(cabinet)} AND ${range(fromMs, toMs)}`
}

/**
 * The days of [fromMs, toMs], counted from fromMs (each row's time is its day's start), that hold
 * any of the cabinet's heartbeats, then those that hold any of its events: two statements, empty
 * days left out.
 */
export function busyDaysQuery(cabinet: string, fromMs: number, toMs: number): string {
  // buckets start at fromMs + k days: GROUP BY time's offset, fromMs past a UTC midnight
  const offsetMs = ((fromMs % DAY_MS) + DAY_MS) % DAY_MS
  const days = (seq: string, from: string) =>
    `SELECT count(${seq}) FROM ${from} WHERE ${cabinetIs(cabinet)} AND ${range(fromMs, toMs)} GROUP BY time(1d, ${offsetMs}ms) fill(none)`
  return `${days(hb.key('seq'), hb.from)}; ${days(ev.key('seq'), ev.from)}`
}

/** The time of the cabinet's last heartbeat before `beforeMs`, if any (where a late window starts). */
export function heartbeatBeforeQuery(cabinet: string, beforeMs: number, notBeforeMs: number): string {
  return `SELECT last(${hb.key('seq')}) FROM ${hb.from} WHERE ${hb.key('cabinet')} = ${literal(cabinet)} AND time >= ${notBeforeMs}ms AND time < ${beforeMs}ms`
}

/**
 * Drops the cabinet's readiness points in [fromMs, toMs]: a recomputed state may differ from the
 * one written (the `readiness` tag is part of the series key), so writing over is not enough
 * (https://docs.influxdata.com/influxdb/v1/query_language/manage-database/#delete-series-with-delete).
 */
export function readinessDeleteStatement(cabinet: string, fromMs: number, toMs: number): string {
  return `DELETE FROM ${rd.from} WHERE ${rd.key('cabinet')} = ${literal(cabinet)} AND ${range(fromMs, toMs)}`
}

type Row = Record<string, unknown>

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined)

function oneOf<T extends string>(v: unknown, values: readonly T[]): T | undefined {
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o))
    if ((o as Record<string, unknown>)[k] === undefined) delete (o as Record<string, unknown>)[k]
  return o
}

/** A stored heartbeat row (`time` in epoch ms) as the heartbeat it was written from; null if unusable. */
export function heartbeatFromRow(r: Row): Heartbeat | null {
  const ts = num(r.time)
  const seq = num(r.seq)
  const battery = num(r.battery_pct)
  const pad = str(r.pad_expiry)
  const doorOpen = bool(r.door_open)
  if (
    ts === undefined ||
    seq === undefined ||
    battery === undefined ||
    pad === undefined ||
    doorOpen === undefined
  )
    return null
  return defined({
    ts,
    seq,
    boot: str(r.boot),
    battery_pct: battery,
    battery_expiry: str(r.battery_expiry),
    pad_expiry: pad,
    pad_type: oneOf(r.pad_type, ['adult', 'pediatric', 'universal'] as const),
    door: doorOpen ? ('open' as const) : ('closed' as const),
    aed_present: bool(r.aed_present),
    temp_c: num(r.temp_c),
    self_test: oneOf(r.self_test, ['pass', 'fail', 'running', 'unknown'] as const),
    power: oneOf(r.power, ['mains', 'battery', 'backup'] as const),
    rssi_dbm: num(r.rssi_dbm),
    fw: str(r.fw),
    interval_s: num(r.interval_s),
  })
}

/** A stored event row (`time` in epoch ms, `type` tag as a column) as the event; null if unusable. */
export function eventFromRow(r: Row): CabinetEvent | null {
  const ts = num(r.time)
  const seq = num(r.seq)
  const type: EventType | undefined = oneOf(r.type, EVENT_TYPES)
  if (ts === undefined || seq === undefined || type === undefined) return null
  return defined({
    ts,
    seq,
    type,
    boot: str(r.boot),
    result: oneOf(r.result, ['pass', 'fail'] as const),
    detail: str(r.detail),
  })
}
