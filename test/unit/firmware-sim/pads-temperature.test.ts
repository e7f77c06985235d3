import { describe, expect, it } from 'vitest'
import { DAY, HOUR } from '../../../firmware-sim/clock.ts'
import { DEFAULT_PAD_SPREAD, newPadExpiryMs, padExpiryMs } from '../../../firmware-sim/model/pads.ts'
import { ambientC, cabinetTempC, heatWaveC } from '../../../firmware-sim/model/temperature.ts'
import { createRandom } from '../../../firmware-sim/random.ts'

describe('pad expiry dates', () => {
  const now = Date.UTC(2026, 10, 26, 5)
  const today = Date.UTC(2026, 10, 26)

  it('are past for the cabinets the fleet marks expired, and spread over the next years for the rest', () => {
    const rnd = createRandom(7)
    const expired = Array.from({ length: 500 }, () => (padExpiryMs(rnd, now, true) - today) / DAY)
    for (const d of expired) expect(d).toBeLessThan(0)
    const rest = Array.from({ length: 2000 }, () => (padExpiryMs(rnd, now, false) - today) / DAY)
    for (const d of rest) expect(d).toBeGreaterThanOrEqual(0)
    const soon = rest.filter((d) => d <= 30).length / rest.length
    const share = DEFAULT_PAD_SPREAD.within30 / (1 - DEFAULT_PAD_SPREAD.expired)
    expect(soon).toBeGreaterThan(share * 0.6)
    expect(soon).toBeLessThan(share * 1.4)
    expect(Math.max(...rest)).toBeLessThanOrEqual(900)
    for (const d of [...expired, ...rest]) expect(Number.isInteger(d)).toBe(true)
  })

  it('follow a scenario that makes many pads due', () => {
    const rnd = createRandom(7)
    const days = Array.from(
      { length: 1000 },
      () => (padExpiryMs(rnd, now, false, { expired: 0.2, within30: 0.4 }) - today) / DAY,
    )
    expect(days.filter((d) => d <= 30).length).toBeGreaterThan(400)
  })

  it('of new pads are 2 to 2.5 years away', () => {
    const rnd = createRandom(3)
    for (let i = 0; i < 200; i++) {
      const d = (newPadExpiryMs(rnd, now) - today) / DAY
      expect(d).toBeGreaterThanOrEqual(730)
      expect(d).toBeLessThanOrEqual(900)
    }
  })
})

describe('cabinet temperature', () => {
  // 2026-04-15 in Bangkok (UTC+7): the hottest month
  const midnightBkk = Date.UTC(2026, 3, 14, 17)

  it('follows Bangkok’s day: about 26 °C before dawn, about 35 °C mid-afternoon', () => {
    const dawn = ambientC(midnightBkk + 6 * HOUR)
    const afternoon = ambientC(midnightBkk + 14.5 * HOUR)
    expect(dawn).toBeGreaterThan(24)
    expect(dawn).toBeLessThan(28)
    expect(afternoon).toBeGreaterThan(33)
    expect(afternoon).toBeLessThan(37)
  })

  it('is hotter in an outdoor cabinet in the midday sun than indoors', () => {
    const noon = midnightBkk + 12.5 * HOUR
    const outdoor = cabinetTempC(noon, { outdoor: true, offsetC: 0 }, 0)
    const indoor = cabinetTempC(noon, { outdoor: false, offsetC: 0 }, 0)
    expect(outdoor).toBeGreaterThan(40)
    expect(indoor).toBeLessThan(30)
    expect(cabinetTempC(noon, { outdoor: true, offsetC: 0 }, 5)).toBeGreaterThan(outdoor + 5)
  })

  it('has heat waves now and then, the same ones for the same seed', () => {
    const start = Date.UTC(2026, 0, 1)
    const hot = Array.from({ length: 365 * 4 }, (_, i) => heatWaveC(3, start + i * 6 * HOUR))
    const share = hot.filter((x) => x > 0).length / hot.length
    expect(share).toBeGreaterThan(0.02)
    expect(share).toBeLessThan(0.2)
    expect(Math.max(...hot)).toBeLessThanOrEqual(5)
    expect(Array.from({ length: 365 * 4 }, (_, i) => heatWaveC(3, start + i * 6 * HOUR))).toEqual(hot)
  })
})
