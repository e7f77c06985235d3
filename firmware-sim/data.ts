import { readFileSync } from 'node:fs'
import { DISTRICTS, type District } from '../gateway/protocol/index.ts'

/** A subdistrict (khwaeng) point: lies inside its district (see data/README.md). */
export interface Subdistrict {
  districtCode: string
  nameTh: string
  postcode: string
  lat: number
  lon: number
}

let cache: Map<string, Subdistrict[]> | null = null

/** Subdistrict points by district code, read once from data/bangkok-subdistricts.csv. */
export function subdistrictsByDistrict(): Map<string, Subdistrict[]> {
  if (cache) return cache
  const text = readFileSync(new URL('./data/bangkok-subdistricts.csv', import.meta.url), 'utf8')
  const map = new Map<string, Subdistrict[]>()
  for (const line of text.split('\n').slice(1)) {
    const [code, nameTh, postcode, lat, lon] = line.trim().split(',')
    if (!code || !nameTh || !postcode || !lat || !lon) continue
    const list = map.get(code) ?? []
    list.push({ districtCode: code, nameTh, postcode, lat: Number(lat), lon: Number(lon) })
    map.set(code, list)
  }
  cache = map
  return map
}

export { DISTRICTS, type District }

/** Bangkok's extent with a small margin: every cabinet lies inside it. */
export const BANGKOK_BOUNDS = { minLat: 13.49, maxLat: 13.96, minLon: 100.32, maxLon: 100.94 } as const
