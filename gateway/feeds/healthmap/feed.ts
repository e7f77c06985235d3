import { createHash } from 'node:crypto'
import type { SecretHasher } from '../../lib/secrets.ts'
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
}

export interface HealthMapFeedDeps {
  registry: Pick<Registry, 'list'>
  readinessOf: ReadinessOf
  hasher: SecretHasher
  openingHours: OpeningHoursEvaluator
  clock: () => number
}

/**
 * The public health-map feed: one GeoJSON Point per registered, non-retired cabinet (RFC 7946,
 * coordinates [lon, lat]). It carries what a bystander needs and nothing that tells of an
 * emergency: no reason, battery, door state, secret, cabinet id or exact time. `status_updated`
 * is when the public status last changed as seen by this process (time of first computation after
 * a restart), rounded down to 15 minutes.
 */
export class HealthMapFeed {
  private readonly deps: HealthMapFeedDeps
  private readonly since = new Map<string, { status: PublicStatus; atMs: number }>()
  private readonly ids = new Map<string, string>()

  constructor(deps: HealthMapFeedDeps) {
    this.deps = deps
  }

  snapshot(): HealthMapSnapshot {
    const now = this.deps.clock()
    const features: HealthMapFeature[] = []
    const seen = new Set<string>()
    for (const c of this.deps.registry.list()) {
      if (c.retired) continue
      features.push(this.feature(c.registration, now))
      seen.add(c.registration.id)
    }
    for (const id of this.since.keys()) if (!seen.has(id)) this.since.delete(id)
    features.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const collection: HealthMapCollection = { type: 'FeatureCollection', features }
    const body = JSON.stringify(collection)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`
    return { collection, etag, body }
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
      id = publicId(this.deps.hasher, cabinetId)
      this.ids.set(cabinetId, id)
    }
    return id
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
