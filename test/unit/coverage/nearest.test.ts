import { afterEach, describe, expect, it } from 'vitest'
import { haversineM, walking } from '../../../gateway/coverage/geo.ts'
import { PublicNearest } from '../../../gateway/coverage/public-nearest.ts'
import { usableNow } from '../../../gateway/coverage/usable.ts'
import { HealthMapFeed } from '../../../gateway/feeds/healthmap/feed.ts'
import { OpeningHoursEvaluator } from '../../../gateway/feeds/healthmap/opening-hours.ts'
import { PUBLIC_ID_PURPOSE } from '../../../gateway/feeds/healthmap/public-id.ts'
import { bkk, CENTRE, CONFIG, FixtureCity, M_PER_DEG, offset } from './fixture-city.ts'

/**
 * Reference great-circle distance by another route than the haversine: the chord between the two
 * points as unit vectors, turned into an arc (d = 2R·asin(chord/2)).
 */
function chordDistanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const v = (lat: number, lon: number) => {
    const p = (lat * Math.PI) / 180
    const l = (lon * Math.PI) / 180
    return [Math.cos(p) * Math.cos(l), Math.cos(p) * Math.sin(l), Math.sin(p)] as const
  }
  const a = v(lat1, lon1)
  const b = v(lat2, lon2)
  const chord = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2])
  return 2 * 6_371_008.8 * Math.asin(chord / 2)
}

describe('great-circle distance', () => {
  it('is 111.195 m for a thousandth of a degree along a meridian', () => {
    expect(haversineM(13.6683, 100.6044, 13.6693, 100.6044)).toBeCloseTo(M_PER_DEG / 1000, 3)
  })

  it('agrees with a reference chord computation to the millimetre', () => {
    const pairs: Array<[number, number, number, number]> = [
      [13.6683, 100.6044, 13.6701, 100.6071], // across a block in Bang Na
      [13.7563, 100.5018, 13.6683, 100.6044], // city hall to Bang Na, ~14.7 km
      [13.58, 100.4145, 13.8513, 100.8561], // Bang Khun Thian to Nong Chok, across the city
    ]
    for (const [a, b, c, d] of pairs)
      expect(haversineM(a, b, c, d)).toBeCloseTo(chordDistanceM(a, b, c, d), 3)
  })
})

describe('usable now', () => {
  it('takes ready and degraded, open or of unknown hours, on access yes or permissive', () => {
    expect(usableNow('ready', true, 'yes')).toBe(true)
    expect(usableNow('degraded', null, 'permissive')).toBe(true)
    expect(usableNow('in_use', true, 'yes')).toBe(false)
    expect(usableNow('not_ready', true, 'yes')).toBe(false)
    expect(usableNow('offline', true, 'yes')).toBe(false)
    expect(usableNow('unknown', true, 'yes')).toBe(false)
    expect(usableNow('ready', false, 'yes')).toBe(false)
    expect(usableNow('ready', true, 'private')).toBe(false)
    expect(usableNow('ready', true, 'customers')).toBe(false)
    expect(usableNow('ready', true, undefined)).toBe(false)
  })
})

describe('nearest usable AEDs', () => {
  let city: FixtureCity
  afterEach(async () => city.close())

  it('answers nearest first with the detour factor applied once and the walking time from it', () => {
    city = new FixtureCity()
    city.add('NEAR', 100, 0)
    city.add('MID', 0, 250)
    city.add('FAR', -400, 0)
    city.coverage.refreshAll()
    const aeds = city.coverage.nearest(CENTRE.lat, CENTRE.lon, 10, 2000)
    expect(aeds.map((a) => a.cabinet_id)).toEqual(['NEAR', 'MID', 'FAR'])
    const near = aeds[0]!
    const d = chordDistanceM(CENTRE.lat, CENTRE.lon, near.lat, near.lon)
    expect(d).toBeCloseTo(100, 3)
    expect(near.distance_m).toBe(100)
    // 100 m × 1.4 = 140 m, not 196 m (factor applied twice); 140 m / 1.3 m/s = 107.7 s → 108 s
    expect(near.walking_distance_m).toBe(140)
    expect(near.walking_time_s).toBe(108)
    expect(aeds[2]).toMatchObject({ distance_m: 400, walking_distance_m: 560, walking_time_s: 431 })
    expect(near).toMatchObject({
      name: 'AED NEAR',
      name_th: 'เครื่อง NEAR',
      location_note: 'by door NEAR',
      readiness: 'ready',
      open_now: true,
    })
  })

  it('applies max_m and limit to the walking estimate', () => {
    city = new FixtureCity()
    city.add('NEAR', 100, 0)
    city.add('FAR', -400, 0)
    city.coverage.refreshAll()
    // FAR walks 560 m: outside 559, inside 561
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 10, 559).map((a) => a.cabinet_id)).toEqual(['NEAR'])
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 10, 561)).toHaveLength(2)
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 1, 5000)).toHaveLength(1)
  })

  it('excludes an AED closed at night and takes it back at 08:00 Bangkok time', () => {
    city = new FixtureCity()
    city.add('OFFICE', 50, 0, { opening_hours: 'Mo-Fr 08:00-17:00' })
    city.add('PIER', 300, 0)
    city.now = bkk(7, 59)
    city.coverage.refreshAll()
    const ids = () => city.coverage.nearest(CENTRE.lat, CENTRE.lon, 5, 2000).map((a) => a.cabinet_id)
    expect(ids()).toEqual(['PIER'])
    city.now = bkk(8, 0)
    city.coverage.refreshAll()
    expect(ids()).toEqual(['OFFICE', 'PIER'])
  })

  it('re-checks what it answers: a door closed since the last refresh is not offered', () => {
    city = new FixtureCity()
    city.add('OFFICE', 50, 0, { opening_hours: 'Mo-Fr 08:00-17:00' })
    city.add('PIER', 300, 0)
    city.now = bkk(16, 55)
    city.coverage.refreshAll()
    city.now = bkk(17, 1)
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 5, 2000).map((a) => a.cabinet_id)).toEqual(['PIER'])
  })

  it('excludes an AED in use once its readiness change is applied, and takes a degraded one', () => {
    city = new FixtureCity()
    city.add('A', 50, 0)
    city.add('B', 100, 0)
    city.coverage.refreshAll()
    city.readiness.set('A', 'in_use')
    city.readiness.set('B', 'degraded')
    city.coverage.touch('A')
    city.coverage.touch('B')
    city.coverage.flush()
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 5, 2000).map((a) => a.cabinet_id)).toEqual(['B'])
    expect(city.coverage.usableCount()).toBe(1)
  })

  it('excludes private and customers-only AEDs', () => {
    city = new FixtureCity()
    city.add('PRIVATE', 20, 0, { access: 'private' })
    city.add('SHOP', 30, 0, { access: 'customers' })
    city.add('PUBLIC', 200, 0, { access: 'permissive' })
    city.coverage.refreshAll()
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 5, 2000).map((a) => a.cabinet_id)).toEqual([
      'PUBLIC',
    ])
  })

  it('finds a cabinet registered after the index was built', () => {
    city = new FixtureCity()
    city.add('A', 200, 0)
    city.coverage.refreshAll()
    city.add('B', 10, 0)
    expect(city.coverage.nearest(CENTRE.lat, CENTRE.lon, 5, 2000).map((a) => a.cabinet_id)).toEqual([
      'B',
      'A',
    ])
  })
})

describe('public nearest AEDs', () => {
  let city: FixtureCity
  afterEach(async () => city.close())

  it('answers from the public feed: no private AED, no cabinet id, feed status and rounding', () => {
    city = new FixtureCity()
    city.add('BKK-1047-0001', 20, 0, { access: 'private' })
    city.add('BKK-1047-0002', 100, 0, {
      name: 'Bang Na Pier',
      name_th: 'ท่าเรือบางนา',
      location_note: 'beside the ticket office',
    })
    city.add('BKK-1047-0003', 150, 0)
    city.add('BKK-1047-0004', 250, 0, { opening_hours: 'Mo-Fr 08:00-17:00' })
    city.readiness.set('BKK-1047-0003', 'not_ready')
    city.now = bkk(21)
    const feed = new HealthMapFeed({
      registry: city.registry,
      readinessOf: (id) => ({ readiness: city.readiness.get(id) ?? 'unknown', reasons: [] }),
      idKey: city.hasher.derive(PUBLIC_ID_PURPOSE, 1),
      openingHours: new OpeningHoursEvaluator(),
      clock: city.clock,
      intervalMs: 300_000,
      includePrivate: false,
    })
    const pub = new PublicNearest({ feed, config: CONFIG, clock: city.clock })
    const aeds = pub.nearest(CENTRE.lat, CENTRE.lon, 10, 2000)
    expect(aeds).toHaveLength(1)
    const only = aeds[0]!
    const feature = feed.snapshot().collection.features.find((f) => f.properties.name === 'Bang Na Pier')!
    expect(only).toMatchObject({
      id: feature.id,
      name: 'Bang Na Pier',
      location_note: 'beside the ticket office',
      status: 'available',
      lat: feature.geometry.coordinates[1],
      lon: feature.geometry.coordinates[0],
      distance_m: 100,
      walking_distance_m: 140,
    })
    expect(JSON.stringify(aeds)).not.toMatch(/BKK-1047|cabinet|readiness|reason/)
    const [lat, lon] = [offset(CENTRE.lat, CENTRE.lon, 100, 0).lat, CENTRE.lon]
    expect(only.distance_m).toBe(
      Math.round(haversineM(CENTRE.lat, CENTRE.lon, Math.round(lat * 1e6) / 1e6, lon)),
    )
  })
})

describe('walking estimate', () => {
  it('rounds to whole metres and seconds', () => {
    expect(walking(1000, CONFIG)).toEqual({
      distance_m: 1000,
      walking_distance_m: 1400,
      walking_time_s: 1077,
    })
  })
})
