import { DISTRICTS, districtByCode } from '../../protocol/districts.ts'
import { DISTRICT_OUTAGE, RULES } from '../../rules/index.ts'
import { CAUSES, type Cause } from './causes.ts'
import { dailyCoverageShare } from './coverage-share.ts'
import type { Period } from './period.ts'
import type { History } from './queries.ts'
import { suppressCount, suppressMeasure } from './suppress.ts'
import { missingEpisodes, restoreDurations, segments, tally } from './timeline.ts'

/** A registered cabinet as the dataset needs it (never written out). */
export interface RegisteredCabinet {
  id: string
  district: string
  createdMs: number
  /** When it was retired (the registry's last update), null while in service. */
  retiredMs: number | null
}

export type Cell = string | number | null
export type Row = Record<string, Cell>

export interface DatasetTables {
  daily: Row[]
  monthly: Row[]
  alerts: Row[]
}

export const DAILY_COLUMNS = [
  'district_code',
  'district_name_en',
  'district_name_th',
  'date',
  'cabinets_registered',
  'cabinets_reporting',
  'availability',
  ...CAUSES.map((c) => `hours_unavailable_${c}`),
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
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

function districtCells(code: string): Row {
  const d = districtByCode(code)
  return { district_code: code, district_name_en: d?.name_en ?? null, district_name_th: d?.name_th ?? null }
}

/** Each cabinet's time in service within [fromMs, toMs), or null when none. */
function inService(c: RegisteredCabinet, fromMs: number, toMs: number): [number, number] | null {
  const from = Math.max(fromMs, c.createdMs)
  const to = Math.min(toMs, c.retiredMs ?? toMs)
  return to > from ? [from, to] : null
}

/** Due when the date falls on or before the 30th day after the month's last day (expired included). */
function dueBy(period: Period): string {
  // endMs is Bangkok midnight starting the next month; +7 h reads it as that Bangkok date
  return new Date(period.endMs + 7 * HOUR_MS + 29 * 86_400_000).toISOString().slice(0, 10)
}

/**
 * The dataset's tables, aggregated per district (never per cabinet) and suppressed. Districts
 * appear when at least one cabinet was registered there during the month.
 */
export function aggregate(
  period: Period,
  history: History,
  cabinets: readonly RegisteredCabinet[],
): DatasetTables {
  const active = cabinets.filter((c) => inService(c, period.startMs, period.endMs))
  const districts = DISTRICTS.map((d) => d.code).filter((code) => active.some((c) => c.district === code))
  const reporting = new Set(history.reporting.map((r) => `${r.cabinet}\u0000${r.date}`))
  const segs = new Map(
    active.map((c) => {
      const h = history.readiness.get(c.id)
      return [c.id, segments(h?.initial ?? null, h?.points ?? [], period.startMs, period.endMs)]
    }),
  )
  const daily: Row[] = []
  for (const code of districts) {
    const here = active.filter((c) => c.district === code)
    for (const day of period.days) {
      let registered = 0
      let reportingN = 0
      let total = 0
      let available = 0
      const hours = new Map<Cause, number>()
      const contributors = new Map<Cause, number>()
      for (const c of here) {
        const span = inService(c, day.startMs, day.endMs)
        if (!span) continue
        registered++
        if (reporting.has(`${c.id}\u0000${day.date}`)) reportingN++
        total += span[1] - span[0]
        for (const [cause, ms] of tally(segs.get(c.id) ?? [], span[0], span[1])) {
          if (cause === null) available += ms
          else {
            hours.set(cause, (hours.get(cause) ?? 0) + ms)
            contributors.set(cause, (contributors.get(cause) ?? 0) + 1)
          }
        }
      }
      const row: Row = {
        ...districtCells(code),
        date: day.date,
        cabinets_registered: suppressCount(registered),
        cabinets_reporting: suppressCount(reportingN),
        availability: total > 0 ? suppressMeasure(round(available / total, 4), registered) : null,
      }
      for (const cause of CAUSES)
        row[`hours_unavailable_${cause}`] = suppressMeasure(
          round((hours.get(cause) ?? 0) / HOUR_MS, 2),
          contributors.get(cause) ?? 0,
        )
      // a share of fixed public demand points, not a count of cabinets or people: never suppressed
      row.coverage_share = dailyCoverageShare(history.coverage?.get(code), day.startMs, day.endMs)
      daily.push(row)
    }
  }
  return {
    daily,
    monthly: monthly(period, history, active, districts),
    alerts: alertRows(period, history, districts),
  }
}

function monthly(period: Period, history: History, active: RegisteredCabinet[], districts: string[]): Row[] {
  const due = dueBy(period)
  return districts.map((code) => {
    const restores: number[] = []
    let missing = 0
    for (const [, h] of [...history.readiness].filter(([, h]) => h.district === code)) {
      restores.push(...restoreDurations(h.initial, h.points, period.startMs, period.endMs))
      missing += missingEpisodes(h.initial, h.points)
    }
    const ids = new Set(active.filter((c) => c.district === code).map((c) => c.id))
    const exp = history.expiries.filter((e) => ids.has(e.cabinet))
    return {
      ...districtCells(code),
      month: period.month,
      aed_uses: suppressCount(history.aedUses.get(code) ?? 0),
      aeds_missing: suppressCount(missing),
      median_minutes_to_restore:
        restores.length === 0 ? null : suppressMeasure(round(median(restores) / 60_000, 1), restores.length),
      pads_due_30d: suppressCount(exp.filter((e) => e.pad !== null && e.pad <= due).length),
      batteries_due_30d: suppressCount(exp.filter((e) => e.battery !== null && e.battery <= due).length),
    }
  })
}

function alertRows(period: Period, history: History, districts: string[]): Row[] {
  const types = new Set<string>([...RULES.map((r) => r.type), DISTRICT_OUTAGE])
  for (const byType of history.alerts.values()) for (const t of byType.keys()) types.add(t)
  const sorted = [...types].sort()
  return districts.flatMap((code) =>
    sorted.map((t) => ({
      ...districtCells(code),
      month: period.month,
      alert_type: t,
      alerts_raised: suppressCount(history.alerts.get(code)?.get(t) ?? 0),
    })),
  )
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
