import { districtByCode } from '../protocol/districts.ts'
import type { Registry } from '../registry/registry.ts'
import type { Thresholds } from '../rules/thresholds.ts'
import { daysLeft } from '../rules/types.ts'
import { batteryForecast } from '../state/battery-forecast.ts'
import type { LiveState } from '../state/live-state.ts'
import type { AlertLifecycle } from './lifecycle.ts'

export interface WorkItem {
  cabinet_id: string
  cabinet_name: string
  district_code: string
  task:
    | 'replace_pads'
    | 'replace_battery'
    | 'battery_forecast_low'
    | 'self_test_failed'
    | 'aed_missing'
    | 'offline'
  /** YYYY-MM-DD in Bangkok: when it is (or was) due. */
  due_date: string
  days_left: number
  detail: string
  /** Walking metres to the nearest other usable AED (coverage/work-list.ts); null: none near. */
  coverage_impact_m?: number | null
  /** Its failure leaves no usable AED within the district's coverage radius. */
  coverage_hole?: boolean | null
}

export interface WorkList {
  within_days: number
  generated_at: string
  districts: Array<{ district_code: string; district_name: string | null; items: WorkItem[] }>
  count: number
}

const bangkokDate = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10)

/**
 * What to replace or fix within N days, by district, soonest first: pads and batteries due,
 * batteries forecast to reach their low threshold (least squares over recent heartbeats),
 * failed self-tests, missing AEDs, offline cabinets (those are due now).
 */
export function maintenanceList(
  deps: {
    registry: Pick<Registry, 'list'>
    state: Pick<LiveState, 'get'>
    lifecycle: Pick<AlertLifecycle, 'current'>
    thresholds: Thresholds
    minSamples: number
  },
  withinDays: number,
  now: number,
): WorkList {
  const items: WorkItem[] = []
  for (const c of deps.registry.list()) {
    if (c.retired) continue
    const reg = c.registration
    const live = deps.state.get(reg.id)
    const th = deps.thresholds.for(reg.id)
    const add = (task: WorkItem['task'], dueDate: string, detail: string) => {
      const days = daysLeft(dueDate, now)
      if (days <= withinDays)
        items.push({
          cabinet_id: reg.id,
          cabinet_name: reg.name,
          district_code: reg.district_code,
          task,
          due_date: dueDate,
          days_left: days,
          detail,
        })
    }
    const hb = live?.last_heartbeat
    if (hb) {
      add('replace_pads', hb.pad_expiry, `pads expire ${hb.pad_expiry}`)
      if (hb.battery_expiry) add('replace_battery', hb.battery_expiry, `battery expires ${hb.battery_expiry}`)
      const f = batteryForecast(live.battery_samples, th.battery_low.warning_pct, deps.minSamples)
      if (f && hb.battery_pct >= th.battery_low.warning_pct) {
        add(
          'battery_forecast_low',
          bangkokDate(Math.max(f.date_ms, now)),
          `battery ${hb.battery_pct} %, falling ${(-f.pct_per_day).toFixed(2)} %/day: reaches ${th.battery_low.warning_pct} %`,
        )
      }
    }
    const today = bangkokDate(now)
    const alertFor = (type: string) => deps.lifecycle.current(reg.id, type)
    const failed = alertFor('self_test_failed')
    if (failed)
      add(
        'self_test_failed',
        bangkokDate(failed.started_ms),
        'AED self-test failed: replace or service the AED',
      )
    const missing = alertFor('aed_missing')
    if (missing) add('aed_missing', bangkokDate(missing.started_ms), missing.summary)
    const offline = alertFor('offline')
    if (offline) add('offline', bangkokDate(offline.started_ms), offline.summary)
    else if (hb && (live?.battery_samples.length ?? 0) > 0 && hb.battery_pct < th.battery_low.warning_pct) {
      add('replace_battery', today, `battery at ${hb.battery_pct} %`)
    }
  }
  const byDistrict = new Map<string, WorkItem[]>()
  for (const it of items) {
    const list = byDistrict.get(it.district_code) ?? []
    list.push(it)
    byDistrict.set(it.district_code, list)
  }
  const districts = [...byDistrict.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, list]) => ({
      district_code: code,
      district_name: districtByCode(code)?.name_en ?? null,
      items: list.sort(
        (x, y) => x.due_date.localeCompare(y.due_date) || x.cabinet_id.localeCompare(y.cabinet_id),
      ),
    }))
  return {
    within_days: withinDays,
    generated_at: new Date(now).toISOString(),
    districts,
    count: items.length,
  }
}

/** RFC 4180 CSV of the work list, one row per item. */
export function workListCsv(list: WorkList): string {
  const esc = (v: string | number) => {
    const s = String(v)
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const head = [
    'district_code',
    'district_name',
    'due_date',
    'days_left',
    'cabinet_id',
    'cabinet_name',
    'task',
    'detail',
    'coverage_impact_m',
  ]
  const rows = list.districts.flatMap((d) =>
    d.items.map((i) => [
      d.district_code,
      d.district_name ?? '',
      i.due_date,
      i.days_left,
      i.cabinet_id,
      i.cabinet_name,
      i.task,
      i.detail,
      i.coverage_impact_m ?? '',
    ]),
  )
  return `${[head, ...rows].map((r) => r.map(esc).join(',')).join('\r\n')}\r\n`
}

/** The maintenance work list as the API asks for it. */
export class MaintenanceService {
  private readonly deps: Parameters<typeof maintenanceList>[0] & { clock: () => number }

  constructor(deps: Parameters<typeof maintenanceList>[0] & { clock: () => number }) {
    this.deps = deps
  }

  list(withinDays: number): WorkList {
    return maintenanceList(this.deps, withinDays, this.deps.clock())
  }
}
