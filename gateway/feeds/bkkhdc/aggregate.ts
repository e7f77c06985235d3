import { DISTRICT_OUTAGE, RULES } from '../../rules/index.ts'
import { NOT_READY_CAUSES, type NotReadyCause } from './causes.ts'
import { dailyCoverageShare } from './coverage-share.ts'
import type { Period } from './period.ts'
import type { History } from './queries.ts'
import { availabilityBand, hoursBand, hoursCell, SUPPRESSED, suppressCount } from './suppress.ts'
import { missingEpisodes, restoreDurations, segments, tally } from './timeline.ts'
import {
  fewerThanMinimum,
  inService,
  type RegisteredCabinet,
  smallDistricts,
  type Unit,
  unitsOf,
} from './units.ts'

export type { RegisteredCabinet } from './units.ts'

export type Cell = string | number | null
export type Row = Record<string, Cell>

export interface DatasetTables {
  daily: Row[]
  monthly: Row[]
  alerts: Row[]
  /** The districts reported together as the group `small`. */
  grouped: string[]
}

export const DAILY_COLUMNS = [
  'district_code',
  'district_name_en',
  'district_name_th',
  'date',
  'cabinets_registered',
  'cabinets_reporting',
  'availability',
  'hours_not_monitored',
  ...NOT_READY_CAUSES.map((c) => `hours_not_ready_${c}`),
  'coverage_share',
] as const
export const MONTHLY_COLUMNS = [
  'district_code',
  'district_name_en',
  'district_name_th',
  'month',
  'aed_uses',
  'aeds_missing',
  'median_minutes_to_restore',
  'pads_due_30d',
  'batteries_due_30d',
] as const
export const ALERT_COLUMNS = [
  'district_code',
  'district_name_en',
  'district_name_th',
  'month',
  'alert_type',
  'alerts_raised',
] as const

const HOUR_MS = 3_600_000
/** Spells a median time to restore rests on at least: with fewer, the median is one real spell. */
export const MIN_SPELLS = 10

function unitCells(u: Unit): Row {
  return { district_code: u.code, district_name_en: u.name_en, district_name_th: u.name_th }
}

/** Due when the date falls on or before the 30th day after the month's last day (expired included). */
function dueBy(period: Period): string {
  // endMs is Bangkok midnight starting the next month; +7 h reads it as that Bangkok date
  return new Date(period.endMs + 7 * HOUR_MS + 29 * 86_400_000).toISOString().slice(0, 10)
}

/**
 * The dataset's tables, aggregated per district (never per cabinet), districts with fewer than 5
 * cabinets merged into one group, banded and suppressed. Districts appear when at least one
 * cabinet was in service there during the month. `grouped` (a rebuild) fixes the group to the
 * first build's.
 */
export function aggregate(
  period: Period,
  history: History,
  cabinets: readonly RegisteredCabinet[],
  grouped?: readonly string[],
): DatasetTables {
  const active = cabinets.filter((c) => inService(c, period.startMs, period.endMs))
  const group = grouped ? [...grouped] : smallDistricts(period, active)
  const units = unitsOf(
    active.map((c) => c.district),
    group,
    fewerThanMinimum(period, active, new Set(group)),
  )
  return {
    daily: units.flatMap((u) => dailyRows(period, history, active, u)),
    monthly: units.map((u) => monthlyRow(period, history, active, u)),
    alerts: alertRows(period, history, units),
    grouped: group.filter((code) => active.some((c) => c.district === code)).sort(),
  }
}

function dailyRows(period: Period, history: History, active: RegisteredCabinet[], unit: Unit): Row[] {
  const here = active.filter((c) => unit.districts.has(c.district))
  const reporting = new Set(history.reporting.map((r) => `${r.cabinet}\u0000${r.date}`))
  const segs = new Map(
    here.map((c) => {
      const h = history.readiness.get(c.id)
      return [c.id, segments(h?.initial ?? null, h?.points ?? [], period.startMs, period.endMs)]
    }),
  )
  return period.days.map((day) => {
    let registered = 0
    let reportingN = 0
    let totalMs = 0
    const ms = new Map<string, number>()
    const contributors = new Map<string, number>()
    for (const c of here) {
      const span = inService(c, day.startMs, day.endMs)
      if (!span) continue
      registered++
      if (reporting.has(`${c.id}\u0000${day.date}`)) reportingN++
      totalMs += span[1] - span[0]
      for (const [cause, t] of tally(segs.get(c.id) ?? [], span[0], span[1])) {
        if (cause === null) continue
        ms.set(cause, (ms.get(cause) ?? 0) + t)
        contributors.set(cause, (contributors.get(cause) ?? 0) + 1)
      }
    }
    const hours = (cause: string) => (ms.get(cause) ?? 0) / HOUR_MS
    const band = (cause: string) => hoursBand(hours(cause), contributors.get(cause) ?? 0)
    const notReady = { lo: 0, hi: 0, value: 0 }
    for (const cause of NOT_READY_CAUSES) {
      const [lo, hi] = band(cause)
      notReady.lo += lo
      notReady.hi += hi
      notReady.value += hours(cause)
    }
    const [nmLo, nmHi] = band('offline')
    const row: Row = {
      ...unitCells(unit),
      date: day.date,
      cabinets_registered: suppressCount(registered),
      cabinets_reporting: suppressCount(reportingN),
      availability: availabilityBand(totalMs / HOUR_MS, notReady, {
        lo: nmLo,
        hi: nmHi,
        value: hours('offline'),
      }),
      hours_not_monitored: hoursCell(hours('offline'), contributors.get('offline') ?? 0),
    }
    for (const cause of NOT_READY_CAUSES)
      row[`hours_not_ready_${cause}`] = hoursCell(hours(cause), contributors.get(cause) ?? 0)
    if (unit.tooSmall) suppressAll(row, ['availability', 'hours_not_monitored', ...NOT_READY_COLUMNS])
    // a share of fixed public demand points, not a count of cabinets or people: never suppressed
    // (docs/coverage.md); a group of small districts gets the mean of its districts' shares
    row.coverage_share = unitCoverageShare(history, unit, day.startMs, day.endMs)
    return row
  })
}

function monthlyRow(period: Period, history: History, active: RegisteredCabinet[], unit: Unit): Row {
  const restores: number[] = []
  let missing = 0
  for (const [, h] of history.readiness) {
    if (!unit.districts.has(h.district)) continue
    restores.push(...restoreDurations(h.initial, h.points, period.startMs, period.endMs))
    missing += missingEpisodes(h.initial, h.points)
  }
  const ids = new Set(active.filter((c) => unit.districts.has(c.district)).map((c) => c.id))
  const exp = history.expiries.filter((e) => ids.has(e.cabinet))
  const due = dueBy(period)
  let uses = 0
  for (const code of unit.districts) uses += history.aedUses.get(code) ?? 0
  const row: Row = {
    ...unitCells(unit),
    month: period.month,
    aed_uses: suppressCount(uses),
    aeds_missing: suppressCount(missing),
    median_minutes_to_restore:
      restores.length === 0
        ? null
        : restores.length < MIN_SPELLS
          ? SUPPRESSED
          : Math.round(median(restores) / 60_000 / 5) * 5,
    pads_due_30d: suppressCount(exp.filter((e) => e.pad !== null && e.pad <= due).length),
    batteries_due_30d: suppressCount(exp.filter((e) => e.battery !== null && e.battery <= due).length),
  }
  if (unit.tooSmall) suppressAll(row, MONTHLY_COLUMNS.slice(4))
  return row
}

const NOT_READY_COLUMNS = NOT_READY_CAUSES.map((c) => `hours_not_ready_${c}`)

/** Every listed cell suppressed, zeros included (a group with fewer than 5 cabinets). */
function suppressAll(row: Row, columns: readonly string[]): void {
  for (const c of columns) row[c] = SUPPRESSED
}

function alertRows(period: Period, history: History, units: Unit[]): Row[] {
  const types = new Set<string>([...RULES.map((r) => r.type), DISTRICT_OUTAGE])
  for (const byType of history.alerts.values()) for (const t of byType.keys()) types.add(t)
  const sorted = [...types].sort()
  return units.flatMap((u) =>
    sorted.map((t) => {
      let n = 0
      for (const code of u.districts) n += history.alerts.get(code)?.get(t) ?? 0
      const raised = u.tooSmall ? SUPPRESSED : suppressCount(n)
      return { ...unitCells(u), month: period.month, alert_type: t, alerts_raised: raised }
    }),
  )
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** Whether a cause is one of "AED not ready" (offline is "not monitored"). */
export function isNotReady(cause: string): cause is NotReadyCause {
  return (NOT_READY_CAUSES as readonly string[]).includes(cause)
}

function unitCoverageShare(history: History, unit: Unit, startMs: number, endMs: number): number | null {
  const shares = [...unit.districts]
    .map((code) => dailyCoverageShare(history.coverage?.get(code), startMs, endMs))
    .filter((x): x is number => x !== null)
  if (shares.length === 0) return null
  return Math.round((shares.reduce((a, b) => a + b, 0) / shares.length) * 10_000) / 10_000
}
