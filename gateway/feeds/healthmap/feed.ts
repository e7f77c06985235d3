import { createHash } from 'node:crypto'
import type { PurposeKey } from '../../lib/secrets.ts'
import { districtByCode } from '../../protocol/districts.ts'
import type { Registration } from '../../protocol/registration.ts'
import type { Registry } from '../../registry/registry.ts'
import type { ReadinessOf } from '../readiness-history.ts'
import type { OpeningHoursEvaluator } from './opening-hours.ts'
import { publicId } from './public-id.ts'
import { type PublicStatus, publicStatus } from './status.ts'

const QUARTER_HOUR_MS = 15 * 60_000

export interface HealthMapProperties {
  id: string
  name: string
  name_th: string | null
  address: string | null
  address_th: string | null
  district_code: string
  district_name: string | null
  district_name_th: string | null
  emergency: 'defibrillator'
  indoor: 'yes' | 'no' | null
  access: string | null
  opening_hours: string | null
  'defibrillator:location': string | null
  status: PublicStatus
  open_now: boolean | null
  status_updated: string
}

export interface HealthMapFeature {
  type: 'Feature'
  id: string
  geometry: { type: 'Point'; coordinates: [number, number] }
  properties: HealthMapProperties
}

export interface HealthMapCollection {
  type: 'FeatureCollection'
  features: HealthMapFeature[]
}

export interface HealthMapSnapshot {
  collection: HealthMapCollection
  /** Strong ETag over the serialized collection (RFC 9110 §8.8.3). */
  etag: string
  body: string
  /** The boundary this snapshot was built for (epoch ms). */
  builtAtMs: number
  /** The boundary at which this content was first published (Last-Modified, RFC 9110 §8.8.2). */
  modifiedAtMs: number
}

export interface HealthMapFeedDeps {
  registry: Pick<Registry, 'list'>
  readinessOf: ReadinessOf
  /** The key derived for public ids (`SecretHasher.derive(PUBLIC_ID_PURPOSE, version)`). */
  idKey: PurposeKey
  openingHours: OpeningHoursEvaluator
  clock: () => number
  /** Snapshot period: the feed changes only when the clock crosses a multiple of it. */
  intervalMs: number
  /** Cabinets registered with `access` private or no are left out unless this is true. */
  includePrivate: boolean
}

/** OpenStreetMap access values that keep the public out (https://wiki.openstreetmap.org/wiki/Key:access). */
const CLOSED_ACCESS = new Set(['private', 'no'])

/**
 * The public health-map feed: one GeoJSON Point per registered, non-retired cabinet (RFC 7946,
 * coordinates [lon, lat]). It carries what a bystander needs and nothing that tells of an
 * emergency: no reason, battery, door state, secret, cabinet id or exact time.
 *
 * It is a snapshot, rebuilt only when the clock crosses a multiple of `intervalMs` (default 5
 * minutes) and the same for every caller until the next one: an AED taken out at 10:02 shows at
 * 10:05, and polling every second learns no more than the 5-minute window it happened in. Were the
 * feed computed per request, its status and ETag would change in the very response after the
 * removal and give the time of an emergency to within one poll. `status_updated` is the boundary
 * at which the status last changed as seen by this process (the first snapshot after a restart),
 * rounded down to 15 minutes.
 */
export class HealthMapFeed {
  private readonly deps: HealthMapFeedDeps
  private readonly since = new Map<string, { status: PublicStatus; atMs: number }>()
  private readonly ids = new Map<string, string>()
  private current: HealthMapSnapshot | null = null

  constructor(deps: HealthMapFeedDeps) {
    this.deps = deps
  }

  /**
   * The snapshot of the current boundary, built by the first caller after the boundary passed
   * (whoever polls at the boundary gets what a timer would have built then; no one sees a change
   * before the boundary after it).
   */
  snapshot(): HealthMapSnapshot {
    const boundary = this.boundaryOf(this.deps.clock())
    if (this.current?.builtAtMs === boundary) return this.current
    const next = this.build(boundary)
    if (this.current?.etag === next.etag) next.modifiedAtMs = this.current.modifiedAtMs
    this.current = next
    return next
  }

  /**
   * Carries on from a collection published before, by another process (cluster mode: the previous
   * holder of the push's lease): each cabinet's status and since when, so an unchanged fleet gives
   * the same snapshot, and `status_updated` does not move because the publisher changed.
   */
  seed(published: HealthMapCollection): void {
    const byPublicId = new Map(published.features.map((f) => [f.id, f.properties]))
    for (const c of this.deps.registry.list()) {
      const p = byPublicId.get(this.publicIdOf(c.registration.id))
      const atMs = p ? Date.parse(p.status_updated) : Number.NaN
      if (p && Number.isFinite(atMs)) this.since.set(c.registration.id, { status: p.status, atMs })
    }
  }

  private boundaryOf(ms: number): number {
    return Math.floor(ms / this.deps.intervalMs) * this.deps.intervalMs
  }

  private build(at: number): HealthMapSnapshot {
    const features: HealthMapFeature[] = []
    const seen = new Set<string>()
    for (const c of this.deps.registry.list()) {
      if (c.retired) continue
      if (!this.deps.includePrivate && CLOSED_ACCESS.has(c.registration.access ?? '')) continue
      features.push(this.feature(c.registration, at))
      seen.add(c.registration.id)
    }
    for (const id of this.since.keys()) if (!seen.has(id)) this.since.delete(id)
    features.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const collection: HealthMapCollection = { type: 'FeatureCollection', features }
    const body = JSON.stringify(collection)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
    return { collection, etag, body, builtAtMs: at, modifiedAtMs: at }
  }

  private feature(reg: Registration, now: number): HealthMapFeature {
    const { readiness } = this.deps.readinessOf(reg.id)
    const openNow = this.deps.openingHours.openAt(reg.opening_hours, now)
    const status = publicStatus(readiness, openNow)
    const prev = this.since.get(reg.id)
    const since = prev && prev.status === status ? prev.atMs : now
    if (!prev || prev.status !== status) this.since.set(reg.id, { status, atMs: now })
    const district = districtByCode(reg.district_code)
    const id = this.publicIdOf(reg.id)
    return {
      type: 'Feature',
      id,
      geometry: { type: 'Point', coordinates: [round6(reg.lon), round6(reg.lat)] },
      properties: {
        id,
        name: reg.name,
        name_th: reg.name_th ?? null,
        address: reg.address ?? null,
        address_th: reg.address_th ?? null,
        district_code: reg.district_code,
        district_name: district?.name_en ?? null,
        district_name_th: district?.name_th ?? null,
        emergency: 'defibrillator',
        indoor: reg.indoor === undefined ? null : reg.indoor ? 'yes' : 'no',
        access: reg.access ?? null,
        opening_hours: reg.opening_hours ?? null,
        'defibrillator:location': reg.location_note ?? null,
        status,
        open_now: openNow,
        status_updated: new Date(Math.floor(since / QUARTER_HOUR_MS) * QUARTER_HOUR_MS).toISOString(),
      },
    }
  }

  private publicIdOf(cabinetId: string): string {
    let id = this.ids.get(cabinetId)
    if (!id) {
      id = publicId(this.deps.idKey, cabinetId)
      this.ids.set(cabinetId, id)
    }
    return id
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
