import { Point } from '@influxdata/influxdb-client'
import type { DistrictCoverage } from './demand.ts'

/**
 * One `coverage` point: a district's share of demand points within reach of a usable AED
 * (docs/influxdb-schema.md). Tag `district`; fields `share` (0–1), `covered` and `points`
 * (demand points), `radius_m`, `usable` (usable AEDs registered in the district).
 */
export function coverageLine(c: DistrictCoverage, usable: number, atMs: number): string {
  return new Point('coverage')
    .tag('district', c.district_code)
    .floatField('share', c.share)
    .intField('covered', c.covered)
    .intField('points', c.points)
    .floatField('radius_m', c.radius_m)
    .intField('usable', usable)
    .timestamp(String(atMs))
    .toLineProtocol() as string
}
