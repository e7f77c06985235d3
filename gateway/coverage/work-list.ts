import type { WorkList } from '../alerts/maintenance-list.ts'
import type { CoverageImpact } from './impact.ts'

/**
 * The work list with each item's coverage impact (walking metres to the nearest other usable AED,
 * null when none is within the search distance) and whether its cabinet's failure leaves a hole;
 * within a district, items sort by impact (largest first, none at all first of all), then due
 * date, then cabinet. A cabinet whose failure would leave people without an AED is fixed first.
 */
export function workListByImpact(list: WorkList, impactOf: (id: string) => CoverageImpact | null): WorkList {
  const memo = new Map<string, CoverageImpact | null>()
  const impact = (id: string) => {
    if (!memo.has(id)) memo.set(id, impactOf(id))
    return memo.get(id) ?? null
  }
  const key = (i: CoverageImpact | null) =>
    i === null ? -1 : i.walking_distance_m === null ? Number.POSITIVE_INFINITY : i.walking_distance_m
  return {
    ...list,
    districts: list.districts.map((d) => ({
      ...d,
      items: d.items
        .map((it) => {
          const i = impact(it.cabinet_id)
          return { ...it, coverage_impact_m: i?.walking_distance_m ?? null, coverage_hole: i?.hole ?? null }
        })
        .sort(
          (x, y) =>
            key(impact(y.cabinet_id)) - key(impact(x.cabinet_id)) ||
            x.due_date.localeCompare(y.due_date) ||
            x.cabinet_id.localeCompare(y.cabinet_id),
        ),
    })),
  }
}
