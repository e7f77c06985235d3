import { describe, expect, it } from 'vitest'
import { BANGKOK_BOUNDS } from '../../../firmware-sim/data.ts'
import { buildFleet } from '../../../firmware-sim/fleet.ts'
import { DISTRICTS, registrationSchema } from '../../../gateway/protocol/index.ts'

describe('the simulated fleet', () => {
  const fleet = buildFleet({ count: 300, seed: 2026 })

  it('registers with bodies the gateway accepts', () => {
    for (const c of fleet) expect(registrationSchema.safeParse(c.registration).success).toBe(true)
  })

  it('covers all 50 districts with unique ids and names', () => {
    expect(new Set(fleet.map((c) => c.registration.district_code)).size).toBe(50)
    expect(new Set(fleet.map((c) => c.registration.id)).size).toBe(300)
    expect(new Set(fleet.map((c) => c.registration.name)).size).toBe(300)
  })

  it('places each cabinet inside Bangkok, near its own district', () => {
    for (const c of fleet) {
      const r = c.registration
      expect(r.lat).toBeGreaterThan(BANGKOK_BOUNDS.minLat)
      expect(r.lat).toBeLessThan(BANGKOK_BOUNDS.maxLat)
      expect(r.lon).toBeGreaterThan(BANGKOK_BOUNDS.minLon)
      expect(r.lon).toBeLessThan(BANGKOK_BOUNDS.maxLon)
      const d = DISTRICTS.find((x) => x.code === r.district_code)!
      expect(Math.hypot(r.lat - d.lat, r.lon - d.lon)).toBeLessThan(0.2)
      expect(r.address_th).toContain(`เขต${d.name_th}`)
      expect(r.address).toContain(`${d.name_en} District`)
    }
  })

  it('has plausible sites with Thai names, access and opening hours', () => {
    const kinds = new Set(fleet.map((c) => c.site))
    expect(kinds.size).toBeGreaterThanOrEqual(6)
    for (const c of fleet) {
      expect(c.registration.name_th).toMatch(/[\u0E00-\u0E7F]/)
      expect(c.registration.opening_hours).toMatch(/^(24\/7|Mo-)/)
      expect(c.outdoor).toBe(c.registration.indoor === false)
    }
    expect(
      fleet.some((c) => c.registration.name === 'Lumphini Park' || c.registration.name.startsWith('BTS ')),
    ).toBe(true)
  })

  it('is the same for the same seed, and a bigger fleet starts with the smaller one', () => {
    expect(buildFleet({ count: 300, seed: 2026 })).toEqual(fleet)
    expect(buildFleet({ count: 60, seed: 2026 }).map((c) => c.registration.id)).toEqual(
      fleet.slice(0, 60).map((c) => c.registration.id),
    )
    expect(buildFleet({ count: 300, seed: 1 })).not.toEqual(fleet)
  })
})
