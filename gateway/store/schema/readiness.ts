import { Line, measurement } from './measurement.ts'

/** One point per change of a cabinet's readiness or of its reason codes (feeds/readiness-history.ts). */
export const READINESS = measurement({
  name: 'readiness',
  tags: ['cabinet', 'district', 'readiness'],
  fields: { state: 'string', reasons: 'string', reason_codes: 'string', lat: 'float', lon: 'float' },
})

export interface ReadinessPoint {
  cabinet: string
  district: string
  /** rules/readiness.ts `Readiness` (the store stage comes before rules: structural here) */
  readiness: string
  reasons: ReadonlyArray<{ code: string; message: string }>
  lat: number
  lon: number
  atMs: number
}

/**
 * `reasons` is for people (the dashboards' tooltips); `reason_codes` (rule types,
 * comma-separated, sorted) is for aggregation (the BKKHDC dataset's causes).
 */
export function readinessLine(p: ReadinessPoint): string {
  return new Line(READINESS, { cabinet: p.cabinet, district: p.district, readiness: p.readiness }, p.atMs)
    .set('state', p.readiness)
    .set('reasons', p.reasons.map((r) => r.message).join('; '))
    .set('reason_codes', [...new Set(p.reasons.map((r) => r.code))].sort().join(','))
    .set('lat', p.lat)
    .set('lon', p.lon)
    .toString()
}
