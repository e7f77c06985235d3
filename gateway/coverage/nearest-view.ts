import { districtByCode } from '../protocol/districts.ts'
import type { Registration } from '../protocol/registration.ts'
import type { Readiness } from '../rules/readiness.ts'
import type { WalkingEstimate } from './geo.ts'

/** One usable AED as a dispatcher sees it: live status, where it is, how far to walk. */
export interface NearestAed extends WalkingEstimate {
  cabinet_id: string
  name: string
  name_th: string | null
  location_note: string | null
  address: string | null
  address_th: string | null
  district_code: string
  district_name: string | null
  lat: number
  lon: number
  readiness: Readiness
  open_now: boolean | null
  opening_hours: string | null
  access: string | null
  indoor: boolean | null
}

export function nearestView(
  reg: Registration,
  readiness: Readiness,
  openNow: boolean | null,
  estimate: WalkingEstimate,
): NearestAed {
  return {
    cabinet_id: reg.id,
    name: reg.name,
    name_th: reg.name_th ?? null,
    location_note: reg.location_note ?? null,
    address: reg.address ?? null,
    address_th: reg.address_th ?? null,
    district_code: reg.district_code,
    district_name: districtByCode(reg.district_code)?.name_en ?? null,
    lat: reg.lat,
    lon: reg.lon,
    readiness,
    open_now: openNow,
    opening_hours: reg.opening_hours ?? null,
    access: reg.access ?? null,
    indoor: reg.indoor ?? null,
    ...estimate,
  }
}
