import { districtByCode } from '../protocol/districts.ts'
import { SUBDISTRICTS } from '../protocol/subdistricts.ts'
import { type CoverageConfig, radiusFor } from './config.ts'
import type { SpatialIndex } from './spatial-index.ts'

/** A place where someone may collapse, standing for the people around it. */
export interface DemandPoint {
  district_code: string
  lat: number
  lon: number
}

/**
 * The demand points: the subdistrict (khwaeng) points the product ships, one per subdistrict
 * (docs/coverage.md weighs this against an H3 grid and states its error).
 */
export const SUBDISTRICT_DEMAND: readonly DemandPoint[] = SUBDISTRICTS

export interface DistrictCoverage {
  district_code: string
  district_name: string | null
  district_name_th: string | null
  radius_m: number
  /** Demand points in the district. */
  points: number
  /** Of those, how many have a usable AED within `radius_m` walking. */
  covered: number
  /** covered / points, 0–1. */
  share: number
}

/**
 * Per district, the share of its demand points with a usable AED within the district's radius
 * (walking estimate: great-circle distance × detour factor). A demand point looks at every AED,
 * whatever the AED's district: people do not stop at district lines.
 */
export function districtCoverage(
  index: SpatialIndex,
  demand: readonly DemandPoint[],
  config: CoverageConfig,
): DistrictCoverage[] {
  const by = new Map<string, { points: number; covered: number }>()
  for (const p of demand) {
    const radius = radiusFor(config, p.district_code)
    const covered = index.nearest(p.lat, p.lon, 1, radius / config.detour_factor).length > 0
    const d = by.get(p.district_code) ?? { points: 0, covered: 0 }
    d.points++
    if (covered) d.covered++
    by.set(p.district_code, d)
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, d]) => {
      const district = districtByCode(code)
      return {
        district_code: code,
        district_name: district?.name_en ?? null,
        district_name_th: district?.name_th ?? null,
        radius_m: radiusFor(config, code),
        points: d.points,
        covered: d.covered,
        share: d.points === 0 ? 0 : d.covered / d.points,
      }
    })
}
