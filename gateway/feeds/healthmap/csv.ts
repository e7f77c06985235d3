import { toCsv } from '../csv.ts'
import type { HealthMapCollection } from './feed.ts'

const COLUMNS = [
  'id',
  'lat',
  'lon',
  'name',
  'name_th',
  'address',
  'address_th',
  'district_code',
  'district_name',
  'district_name_th',
  'emergency',
  'indoor',
  'access',
  'opening_hours',
  'defibrillator:location',
  'status',
  'open_now',
  'status_updated',
] as const

/** The feed as CSV: one row per cabinet, the GeoJSON properties plus lat and lon. */
export function healthMapCsv(c: HealthMapCollection): string {
  return toCsv(
    COLUMNS,
    c.features.map((f) => ({
      ...f.properties,
      lat: f.geometry.coordinates[1],
      lon: f.geometry.coordinates[0],
    })),
  )
}
