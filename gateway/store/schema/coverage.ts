import { Line, measurement } from './measurement.ts'

/** A district's coverage (gateway/coverage/, docs/coverage.md): one point per change, at least hourly. */
export const COVERAGE = measurement({
  name: 'coverage',
  tags: ['district'],
  fields: { share: 'float', covered: 'integer', points: 'integer', radius_m: 'float', usable: 'integer' },
})

/** What the point needs of a district's coverage (coverage/demand.ts `DistrictCoverage`). */
export interface CoverageFacts {
  district_code: string
  share: number
  covered: number
  points: number
  radius_m: number
}

/**
 * `share` (0–1) of the district's demand points within `radius_m` walking distance of a usable
 * AED; `covered` and `points` are those counts; `usable`: usable AEDs registered in the district.
 */
export function coverageLine(c: CoverageFacts, usable: number, atMs: number): string {
  return new Line(COVERAGE, { district: c.district_code }, atMs)
    .set('share', c.share)
    .set('covered', c.covered)
    .set('points', c.points)
    .set('radius_m', c.radius_m)
    .set('usable', usable)
    .toString()
}
