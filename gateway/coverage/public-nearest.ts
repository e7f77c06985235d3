import type { HealthMapFeature, HealthMapFeed } from '../feeds/healthmap/feed.ts'
import type { CoverageConfig } from './config.ts'
import { type WalkingEstimate, walking } from './geo.ts'
import { SpatialIndex } from './spatial-index.ts'
import { USABLE_ACCESS } from './usable.ts'

/**
 * One AED as the public sees it: only what the health-map feed already publishes (public id,
 * names, location note, rounded position, opening hours, access), never a cabinet id, readiness
 * reason or live detail.
 */
export interface PublicNearestAed extends WalkingEstimate {
  id: string
  name: string
  name_th: string | null
  location_note: string | null
  address: string | null
  address_th: string | null
  district_code: string
  district_name: string | null
  lat: number
  lon: number
  status: 'available'
  open_now: boolean | null
  opening_hours: string | null
  access: string | null
  indoor: 'yes' | 'no' | null
}

export interface PublicNearestDeps {
  feed: Pick<HealthMapFeed, 'snapshot'>
  config: CoverageConfig
  clock: () => number
}

/**
 * Nearest available AEDs from the public feed's snapshot (GET /feeds/nearest): the same
 * status (available = ready or degraded and not closed now) and the same privacy rules as the
 * feed, plus the access rule of the nearest query. The snapshot and its index are reused for
 * `public_snapshot_ms`, so a burst of queries does not rebuild the feed each time.
 */
export class PublicNearest {
  private readonly deps: PublicNearestDeps
  private cached: { etag: string; atMs: number; features: HealthMapFeature[]; index: SpatialIndex } | null =
    null

  constructor(deps: PublicNearestDeps) {
    this.deps = deps
  }

  nearest(lat: number, lon: number, limit: number, maxWalkM: number): PublicNearestAed[] {
    const { features, index } = this.current()
    const { config } = this.deps
    return index.nearest(lat, lon, limit, maxWalkM / config.detour_factor).map((h) => {
      const f = features[h.slot] as HealthMapFeature
      const p = f.properties
      return {
        id: p.id,
        name: p.name,
        name_th: p.name_th,
        location_note: p['defibrillator:location'],
        address: p.address,
        address_th: p.address_th,
        district_code: p.district_code,
        district_name: p.district_name,
        lat: f.geometry.coordinates[1],
        lon: f.geometry.coordinates[0],
        status: 'available',
        open_now: p.open_now,
        opening_hours: p.opening_hours,
        access: p.access,
        indoor: p.indoor,
        ...walking(h.distance_m, config),
      }
    })
  }

  private current(): { features: HealthMapFeature[]; index: SpatialIndex } {
    const now = this.deps.clock()
    const c = this.cached
    if (c && now - c.atMs < this.deps.config.public_snapshot_ms && now >= c.atMs) return c
    const snap = this.deps.feed.snapshot()
    if (c && c.etag === snap.etag) {
      c.atMs = now
      return c
    }
    const features = snap.collection.features.filter(
      (f) => f.properties.status === 'available' && USABLE_ACCESS.has(f.properties.access ?? ''),
    )
    const index = new SpatialIndex(
      features.map((f) => ({ id: f.id, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] })),
    )
    for (let slot = 0; slot < index.size; slot++) index.setUsable(slot, true)
    this.cached = { etag: snap.etag, atMs: now, features, index }
    return this.cached
  }
}
