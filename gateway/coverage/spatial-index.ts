import { around } from 'geokdbush'
import KDBush from 'kdbush'
import { haversineM } from './geo.ts'

export interface IndexedPoint {
  id: string
  lat: number
  lon: number
}

export interface Hit {
  /** Position in the index (see `id()`). */
  slot: number
  distance_m: number
}

// geokdbush measures on a sphere of 6371 km; ours is 6371.0088 km: search a hair wider, then cut
const SEARCH_MARGIN = 1.001

/**
 * AED positions in a static k-d tree (kdbush) searched by great-circle distance (geokdbush:
 * Agafonkin's branch-and-bound k-nearest on the sphere), with a usable-now flag per point.
 * Positions change only when the registry does (the index is then rebuilt); readiness changes
 * flip a flag in O(1), and queries skip unflagged points while they search.
 */
export class SpatialIndex {
  private readonly ids: string[]
  private readonly lats: Float64Array
  private readonly lons: Float64Array
  private readonly flags: Uint8Array
  private readonly slots = new Map<string, number>()
  private readonly tree: KDBush | null
  private usableCount = 0

  constructor(points: readonly IndexedPoint[]) {
    const n = points.length
    this.ids = points.map((p) => p.id)
    this.lats = new Float64Array(n)
    this.lons = new Float64Array(n)
    this.flags = new Uint8Array(n)
    this.tree = n > 0 ? new KDBush(n) : null
    for (const [i, p] of points.entries()) {
      this.lats[i] = p.lat
      this.lons[i] = p.lon
      this.slots.set(p.id, i)
      this.tree?.add(p.lon, p.lat)
    }
    this.tree?.finish()
  }

  get size(): number {
    return this.ids.length
  }

  get usable(): number {
    return this.usableCount
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id)
  }

  id(slot: number): string {
    return this.ids[slot] as string
  }

  position(slot: number): { lat: number; lon: number } {
    return { lat: this.lats[slot] as number, lon: this.lons[slot] as number }
  }

  isUsable(slot: number): boolean {
    return this.flags[slot] === 1
  }

  /** Sets a point's flag; true when it changed. */
  setUsable(slot: number, usable: boolean): boolean {
    const v = usable ? 1 : 0
    if (this.flags[slot] === v) return false
    this.flags[slot] = v
    this.usableCount += usable ? 1 : -1
    return true
  }

  /**
   * Usable points nearest to (lat, lon), nearest first, at most `limit`, no farther than
   * `maxM` great-circle metres; `exclude` (a slot) is skipped, e.g. the cabinet whose
   * neighbours are sought.
   */
  nearest(lat: number, lon: number, limit: number, maxM: number, exclude = -1): Hit[] {
    if (!this.tree || this.usableCount === 0 || limit <= 0) return []
    const flags = this.flags
    const slots = around(
      this.tree,
      lon,
      lat,
      limit,
      (maxM / 1000) * SEARCH_MARGIN,
      (i: number) => flags[i] === 1 && i !== exclude,
    ) as number[]
    const hits: Hit[] = []
    for (const slot of slots) {
      const d = haversineM(lat, lon, this.lats[slot] as number, this.lons[slot] as number)
      if (d <= maxM) hits.push({ slot, distance_m: d })
    }
    return hits
  }
}
