import { afterEach, describe, expect, it } from 'vitest'
import type { DemandPoint } from '../../../gateway/coverage/demand.ts'
import { DISTRICTS } from '../../../gateway/protocol/districts.ts'
import { SUBDISTRICTS } from '../../../gateway/protocol/subdistricts.ts'
import { eventually } from '../../helpers/influx.ts'
import { bkk, CENTRE, FixtureCity, offset } from './fixture-city.ts'

const at = (district: string, north: number, east: number): DemandPoint => ({
  district_code: district,
  ...offset(CENTRE.lat, CENTRE.lon, north, east),
})

/** Three demand points in 1047 stacked northwards 1 km apart, one in 1009 1 km east. */
const DEMAND = [at('1047', 0, 0), at('1047', 1000, 0), at('1047', 2000, 0), at('1009', 0, 1000)]

describe('district coverage', () => {
  let city: FixtureCity
  afterEach(async () => city.close())

  it('is the share of demand points with a usable AED within the radius, walking', () => {
    city = new FixtureCity(DEMAND)
    city.add('X', 100, 0) // 140 m walking from the first point
    city.add('Y', 1150, 0) // 210 m from the second; 1190 m from the third
    city.coverage.refreshAll()
    const by = new Map(city.coverage.districtCoverage().map((d) => [d.district_code, d]))
    expect(by.get('1047')).toMatchObject({ points: 3, covered: 2, share: 2 / 3, radius_m: 300 })
    // X is 1005 m from the point in 1009: 1407 m walking
    expect(by.get('1009')).toMatchObject({ points: 1, covered: 0, share: 0 })

    city.readiness.set('Y', 'in_use')
    city.coverage.touch('Y')
    city.coverage.flush()
    expect(city.coverage.districtCoverage().find((d) => d.district_code === '1047')).toMatchObject({
      covered: 1,
      share: 1 / 3,
    })
  })

  it('uses a district radius where one is configured', () => {
    city = new FixtureCity(DEMAND, { district_radius_m: { '1009': 1500 } })
    city.add('X', 100, 0)
    city.coverage.refreshAll()
    expect(city.coverage.districtCoverage().find((d) => d.district_code === '1009')).toMatchObject({
      radius_m: 1500,
      covered: 1,
      share: 1,
    })
  })

  it('writes a coverage point per district when it changes, not when it holds', () => {
    city = new FixtureCity(DEMAND)
    city.add('X', 100, 0)
    city.add('Y', 1150, 0)
    city.coverage.refreshAll()
    expect(city.lines).toHaveLength(2)
    expect(city.lines.find((l) => l.includes('district=1047'))).toBe(
      `coverage,district=1047 covered=2i,points=3i,radius_m=300,share=0.6666666666666666,usable=2i ${city.now}`,
    )
    city.coverage.refreshAll()
    expect(city.lines).toHaveLength(2)
    city.readiness.set('X', 'offline')
    city.coverage.touch('X')
    city.coverage.flush()
    expect(city.lines.slice(2)).toEqual([
      `coverage,district=1047 covered=1i,points=3i,radius_m=300,share=0.3333333333333333,usable=1i ${city.now}`,
    ])
  })

  it('writes nothing at start, then the first change', () => {
    city = new FixtureCity(DEMAND)
    city.add('X', 100, 0)
    city.coverage.start()
    expect(city.lines).toEqual([])
    city.add('Y', 1150, 0)
    city.coverage.refreshAll()
    expect(city.lines).toEqual([
      `coverage,district=1047 covered=2i,points=3i,radius_m=300,share=0.6666666666666666,usable=2i ${city.now}`,
    ])
  })

  it('sees an office close at 17:00 Bangkok time on its periodic re-check', async () => {
    city = new FixtureCity(DEMAND, { full_refresh_ms: 100 })
    city.add('OFFICE', 100, 0, { opening_hours: 'Mo-Fr 08:00-17:00' })
    city.now = bkk(16, 59)
    city.coverage.start()
    expect(city.coverage.usableCount()).toBe(1)
    city.now = bkk(17, 0)
    await eventually(() => (city.lines.length > 0 ? true : undefined), 5000)
    expect(city.coverage.usableCount()).toBe(0)
    expect(city.lines).toEqual([
      `coverage,district=1047 covered=0i,points=3i,radius_m=300,share=0,usable=0i ${bkk(17, 0)}`,
    ])
  })

  it('ships subdistrict points inside Bangkok for every district', () => {
    expect(SUBDISTRICTS).toHaveLength(154)
    const codes = new Set(SUBDISTRICTS.map((s) => s.district_code))
    expect([...codes].sort()).toEqual(DISTRICTS.map((d) => d.code).sort())
    for (const s of SUBDISTRICTS) {
      expect(s.lat).toBeGreaterThanOrEqual(13.55)
      expect(s.lat).toBeLessThanOrEqual(13.93)
      expect(s.lon).toBeGreaterThanOrEqual(100.34)
      expect(s.lon).toBeLessThanOrEqual(100.9)
    }
  })
})
