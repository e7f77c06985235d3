import { Point } from '@influxdata/influxdb-client'
import { districtByCode } from '../../gateway/protocol/districts.ts'
import type { Heartbeat } from '../../gateway/protocol/heartbeat.ts'
import {
  coverageLine,
  eventLine,
  type GatewaySnapshot,
  gatewayLines,
  heartbeatLine,
  type PointMeta,
} from '../../gateway/store/schema/index.ts'

/**
 * A deterministic backfill of a small Bangkok fleet for the dashboard tests: three weeks of
 * hourly heartbeats and door events (line protocol from gateway/store/schema/), readiness and
 * alert transitions in the shape docs/grafana.md assumes, and six hours of gateway self-metrics.
 * Some cabinets end not ready, degraded, offline or in use, so every panel has something to show.
 */

const HOUR = 3_600_000
const DAY = 24 * HOUR

export const DISTRICT_CODES = ['1001', '1004', '1007', '1033', '1039', '1047'] as const
export const CABINETS_PER_DISTRICT = 4
export const BACKFILL_DAYS = 21

/** mulberry32: small, seedable, good enough for test data. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Ending = 'ready' | 'degraded' | 'not_ready' | 'in_use' | 'offline'

interface Cabinet {
  id: string
  district: string
  lat: number
  lon: number
  ending: Ending
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

function fleet(random: () => number): Cabinet[] {
  const endings: Ending[] = ['ready', 'degraded', 'not_ready', 'offline', 'in_use']
  const out: Cabinet[] = []
  DISTRICT_CODES.forEach((code, d) => {
    const centre = districtByCode(code)
    for (let i = 1; i <= CABINETS_PER_DISTRICT; i++) {
      // the first cabinets of the first districts carry the problems; the rest are ready
      const ending =
        i === 1 && d < endings.length ? (endings[d] as Ending) : i === 2 && d < 2 ? 'degraded' : 'ready'
      out.push({
        id: `BKK-${code}-${String(i).padStart(4, '0')}`,
        district: code,
        lat: (centre?.lat ?? 13.75) + (random() - 0.5) * 0.02,
        lon: (centre?.lon ?? 100.5) + (random() - 0.5) * 0.02,
        ending,
      })
    }
  })
  return out
}

function meta(c: Cabinet, t: number): PointMeta {
  return { cabinet: c.id, district: c.district, timeMs: t, receivedMs: t + 120, skewMs: 0, skewed: false }
}

function readinessLine(c: Cabinet, state: string, reasons: string, t: number): string {
  return new Point('readiness')
    .tag('cabinet', c.id)
    .tag('district', c.district)
    .tag('readiness', state)
    .stringField('state', state)
    .stringField('reasons', reasons)
    .floatField('lat', c.lat)
    .floatField('lon', c.lon)
    .timestamp(String(t))
    .toLineProtocol() as string
}

interface AlertSpec {
  id: string
  type: string
  severity: string
  startedMs: number
  ackMs?: number
  resolvedMs?: number
}

function alertLines(c: Cabinet, a: AlertSpec): string[] {
  const point = (state: string, kind: string, t: number) => {
    const p = new Point('alert')
      .tag('cabinet', c.id)
      .tag('district', c.district)
      .tag('type', a.type)
      .tag('severity', a.severity)
      .tag('state', state)
      .stringField('id', a.id)
      .stringField('kind', kind)
      .intField('started_ms', a.startedMs)
      .timestamp(String(t))
    if (a.ackMs !== undefined && t >= a.ackMs) p.intField('ack_ms', a.ackMs)
    if (a.resolvedMs !== undefined && t >= a.resolvedMs) p.intField('resolved_ms', a.resolvedMs)
    return p.toLineProtocol() as string
  }
  const lines = [point('active', 'open', a.startedMs)]
  if (a.ackMs !== undefined) lines.push(point('acknowledged', 'acknowledge', a.ackMs))
  if (a.resolvedMs !== undefined) lines.push(point('resolved', 'resolve', a.resolvedMs))
  return lines
}

const REASONS: Record<Ending, string> = {
  ready: '',
  degraded: 'pad_expiry: pads expire in 20 days',
  not_ready: 'pad_expiry: pads expired',
  in_use: 'aed_in_use: AED removed',
  offline: 'offline: no heartbeat for 2 days',
}

const ALERT_OF: Record<Exclude<Ending, 'ready'>, [string, string]> = {
  degraded: ['pad_expiry', 'warning'],
  not_ready: ['pad_expiry', 'critical'],
  in_use: ['aed_in_use', 'critical'],
  offline: ['offline', 'major'],
}

export interface Backfill {
  lines: string[]
  fromMs: number
  nowMs: number
  cabinets: Cabinet[]
}

function cabinetLines(
  c: Cabinet,
  random: () => number,
  fromMs: number,
  nowMs: number,
  lines: string[],
): void {
  const lastHeartbeat = c.ending === 'offline' ? nowMs - 2 * DAY : nowMs
  const padExpiry =
    c.ending === 'not_ready'
      ? nowMs - 3 * DAY
      : c.ending === 'degraded'
        ? nowMs + 20 * DAY
        : nowMs + (60 + random() * 400) * DAY
  const batteryExpiry = nowMs + (10 + random() * 700) * DAY
  // the not-ready cabinet also has a failing battery, under 20 % by the end
  let battery = c.ending === 'not_ready' ? 25 : 60 + random() * 40
  const drain = c.ending === 'not_ready' ? 0.02 : 0.01 + random() * 0.08
  let seq = 0
  for (let t = fromMs; t <= lastHeartbeat; t += HOUR) {
    battery = Math.max(5, battery - drain)
    const hourOfDay = new Date(t + 7 * HOUR).getUTCHours()
    const inUse = c.ending === 'in_use' && t > nowMs - 3 * HOUR
    const h: Heartbeat = {
      ts: t,
      seq: seq++,
      battery_pct: Math.round(battery * 10) / 10,
      battery_expiry: isoDate(batteryExpiry),
      pad_expiry: isoDate(padExpiry),
      pad_type: 'adult',
      door: inUse ? 'open' : 'closed',
      aed_present: !inUse,
      temp_c: Math.round((30 + 8 * Math.sin(((hourOfDay - 9) / 24) * 2 * Math.PI) + random() * 3) * 10) / 10,
      self_test: 'pass',
      power: 'mains',
      rssi_dbm: -60 - Math.floor(random() * 30),
      fw: '1.4.2',
      interval_s: 300,
    }
    // a cabinet loses its network for half a day now and then: a heartbeat gap to show
    if (random() < 0.01) t += 12 * HOUR
    lines.push(heartbeatLine(h, meta(c, t)))
    if (random() < 0.08) {
      const open = t + 60_000
      lines.push(eventLine({ ts: open, seq: seq++, type: 'door_open' }, meta(c, open)))
      lines.push(eventLine({ ts: open + 90_000, seq: seq++, type: 'door_closed' }, meta(c, open + 90_000)))
    }
  }
  lines.push(readinessLine(c, 'ready', '', fromMs))
  if (c.ending !== 'ready') {
    const since =
      c.ending === 'in_use'
        ? nowMs - 3 * HOUR
        : c.ending === 'offline'
          ? lastHeartbeat + 15 * 60_000
          : nowMs - 3 * DAY
    lines.push(readinessLine(c, c.ending, REASONS[c.ending], since))
    const [type, severity] = ALERT_OF[c.ending]
    lines.push(
      ...alertLines(c, {
        id: `${c.id}-${type}`,
        type,
        severity,
        startedMs: since,
        ackMs: since + Math.round((5 + random() * 40) * 60_000),
      }),
    )
  }
}

/** Past alerts, acknowledged and resolved, spread over the backfill: the Alerts dashboard's history. */
function pastAlerts(cabinets: Cabinet[], random: () => number, fromMs: number, lines: string[]): void {
  const kinds: Array<[string, string]> = [
    ['door_open', 'minor'],
    ['battery_low', 'warning'],
    ['temperature', 'major'],
    ['self_test_failed', 'critical'],
  ]
  for (let n = 0; n < 40; n++) {
    const c = cabinets[Math.floor(random() * cabinets.length)] as Cabinet
    const [type, severity] = kinds[n % kinds.length] as [string, string]
    const started = fromMs + Math.floor(random() * (BACKFILL_DAYS - 2)) * DAY + Math.floor(random() * DAY)
    const ackMs = started + Math.round((2 + random() * 90) * 60_000)
    lines.push(
      ...alertLines(c, {
        id: `a-${n}`,
        type,
        severity,
        startedMs: started,
        ackMs,
        resolvedMs: ackMs + Math.round((10 + random() * 600) * 60_000),
      }),
    )
  }
}

function selfMetrics(random: () => number, nowMs: number, lines: string[]): void {
  const s: GatewaySnapshot = {
    received_total: 0,
    accepted_total: 0,
    rejected_total: 0,
    duplicates_total: 0,
    quarantined_total: 0,
    influx_lines_total: 0,
    influx_write_failures_total: 0,
    outbox_depth: 0,
    outbox_bytes: 0,
    outbox_oldest_age_s: 0,
    connected: 22,
    influx_write_p50_ms: null,
    influx_write_p99_ms: null,
    rejected_by_reason: { invalid_payload: 0, rate_limited: 0 },
  }
  for (let t = nowMs - 6 * HOUR; t <= nowMs; t += 10_000) {
    const received = 5 + Math.floor(random() * 10)
    const bad = random() < 0.1 ? 1 : 0
    s.received_total += received
    s.accepted_total += received - bad
    s.rejected_total += bad
    s.rejected_by_reason.invalid_payload = (s.rejected_by_reason.invalid_payload ?? 0) + bad
    s.influx_lines_total += received - bad
    s.outbox_depth = Math.floor(random() * 20)
    s.outbox_oldest_age_s = random() * 0.5
    s.influx_write_p50_ms = 3 + random() * 4
    s.influx_write_p99_ms = 10 + random() * 40
    lines.push(...gatewayLines(s, 'gw-test', t))
  }
}

/** Everything to write, timed against `nowMs` (rounded down to the hour). */
export function dashboardBackfill(nowMs: number, seed = 7): Backfill {
  const random = rng(seed)
  const now = Math.floor(nowMs / HOUR) * HOUR
  const fromMs = now - BACKFILL_DAYS * DAY
  const cabinets = fleet(random)
  const lines: string[] = []
  for (const c of cabinets) cabinetLines(c, random, fromMs, now, lines)
  pastAlerts(cabinets, random, fromMs, lines)
  selfMetrics(random, now, lines)
  coverage(random, fromMs, now, lines)
  return { lines, fromMs, nowMs: now, cabinets }
}

/** District coverage every 6 h: lower at night, when office AEDs are locked away. */
function coverage(random: () => number, fromMs: number, nowMs: number, lines: string[]): void {
  for (const code of DISTRICT_CODES) {
    const points = 3 + Math.floor(random() * 4)
    for (let t = fromMs; t <= nowMs; t += 6 * HOUR) {
      const night = new Date(t + 7 * HOUR).getUTCHours() >= 18
      const covered = Math.max(0, points - (night ? 2 : 0) - Math.floor(random() * 2))
      const c = { district_code: code, radius_m: 300, points, covered, share: covered / points }
      lines.push(coverageLine(c, covered, t))
    }
  }
}
