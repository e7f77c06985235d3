import type { Registration } from '../gateway/protocol/index.ts'
import { DISTRICTS, subdistrictsByDistrict } from './data.ts'
import { conditionQuantile } from './model/condition.ts'
import { derive } from './random.ts'
import { NAMED_PLACES, pickWeighted, SITE_TEMPLATES, type SiteKind } from './sites.ts'

/** One simulated cabinet: what it registers as, plus the traits its model needs. */
export interface CabinetSpec {
  registration: Registration
  site: SiteKind
  /** Outdoor and in the sun for part of the day: hotter than the shade temperature. */
  outdoor: boolean
  /** Seconds between heartbeats (the firmware's configured interval). */
  intervalS: number
  /**
   * Where the cabinet stands in the fleet's condition, a quantile in [0, 1): spread evenly over
   * the fleet (model/condition.ts), so the shares of flat batteries, expired pads and device
   * faults hold for any fleet size.
   */
  condition: number
}

export interface FleetOptions {
  count: number
  seed: number
  /** Heartbeat interval in seconds for every cabinet (default 60). */
  intervalS?: number
  /** Only these district codes (default: all 50). */
  districts?: readonly string[]
}

/**
 * Spreads `count` cabinets over Bangkok's districts round-robin (so 50 or more cover every
 * district), ids `BKK-{district}-{nnnn}`. A cabinet's traits depend only on (seed, id): the first
 * N cabinets of a bigger fleet are the same N cabinets.
 */
export function buildFleet(opts: FleetOptions): CabinetSpec[] {
  const districts = opts.districts ? DISTRICTS.filter((d) => opts.districts?.includes(d.code)) : DISTRICTS
  if (districts.length === 0) throw new Error('no district selected')
  const specs: CabinetSpec[] = []
  const usedNames = new Set<string>()
  const rotation = derive(opts.seed, 'fleet', 'condition').next()
  for (let i = 0; i < opts.count; i++) {
    const district = districts[i % districts.length]!
    const n = Math.floor(i / districts.length) + 1
    const id = `BKK-${district.code}-${String(n).padStart(4, '0')}`
    const spec = cabinetSpec(opts.seed, id, district.code, opts.intervalS ?? 60, usedNames)
    specs.push({ ...spec, condition: conditionQuantile(i, rotation) })
  }
  return specs
}

function cabinetSpec(
  seed: number,
  id: string,
  code: string,
  intervalS: number,
  usedNames: Set<string>,
): Omit<CabinetSpec, 'condition'> {
  const rnd = derive(seed, id, 'site')
  const district = DISTRICTS.find((d) => d.code === code)!
  const template = pickWeighted(SITE_TEMPLATES, rnd.next())
  const named = (NAMED_PLACES[code]?.[template.kind] ?? []).filter(([en]) => !usedNames.has(en))
  const place = named.length > 0 ? rnd.pick(named) : undefined
  let name = template.name(district.name_en, place?.[0])
  let nameTh = template.nameTh(district.name_th, place?.[1])
  // two generic cabinets of one kind in one district: number them as a city would ("Gate 2")
  if (usedNames.has(name)) {
    const k = [...usedNames].filter((u) => u.startsWith(name)).length + 1
    name = `${name}, Point ${k}`
    nameTh = `${nameTh} จุดที่ ${k}`
  }
  usedNames.add(place?.[0] ?? name)
  usedNames.add(name)

  const subs = subdistrictsByDistrict().get(code) ?? []
  const sub = subs.length > 0 ? rnd.pick(subs) : undefined
  // within ~200 m of a subdistrict point: close enough to stay inside the district
  const lat = round((sub?.lat ?? district.lat) + rnd.range(-0.0018, 0.0018), 5)
  const lon = round((sub?.lon ?? district.lon) + rnd.range(-0.0018, 0.0018), 5)
  const postcode = sub?.postcode ?? '10200'
  const outdoor = !template.indoor
  const registration: Registration = {
    id,
    name,
    name_th: nameTh,
    lat,
    lon,
    district_code: code,
    address: `${name}, ${district.name_en} District, Bangkok ${postcode}`,
    address_th: `${nameTh} ${sub ? `แขวง${sub.nameTh} ` : ''}เขต${district.name_th} กรุงเทพมหานคร ${postcode}`,
    access: template.access,
    indoor: template.indoor,
    opening_hours: template.openingHours,
    location_note: template.note,
    heartbeat_interval_s: intervalS,
  }
  return { registration, site: template.kind, outdoor, intervalS }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
