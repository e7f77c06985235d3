import { describe, expect, it } from 'vitest'
import { DAY } from '../../../firmware-sim/clock.ts'
import { drain, drainPctPerHour, initialBattery } from '../../../firmware-sim/model/battery.ts'
import { createRandom } from '../../../firmware-sim/random.ts'

const YEAR = 365.25 * DAY

describe('the AED battery', () => {
  it('lasts its rated life at 25 °C', () => {
    const b = { pct: 100, lifeYears: 4.5, installedMs: 0, expiryMs: 5 * YEAR }
    expect(drain(b, 2 * YEAR, 25)).toBeCloseTo(100 - (2 / 4.5) * 100, 5)
    expect(drain(b, 4.5 * YEAR, 25)).toBeCloseTo(0, 5)
  })

  it('drains twice as fast for every 10 °C hotter', () => {
    expect(drainPctPerHour(35, 4) / drainPctPerHour(25, 4)).toBeCloseTo(2, 6)
    expect(drainPctPerHour(45, 4) / drainPctPerHour(25, 4)).toBeCloseTo(4, 6)
    const b = { pct: 80, lifeYears: 4, installedMs: 0, expiryMs: 0 }
    expect(drain(b, 30 * DAY, 40)).toBeLessThan(drain(b, 30 * DAY, 28))
  })

  it('loses well under a percent a week in Bangkok heat: years of life, not months', () => {
    const b = { pct: 90, lifeYears: 4.5, installedMs: 0, expiryMs: 0 }
    const lost = 90 - drain(b, 7 * DAY, 33)
    expect(lost).toBeGreaterThan(0.2)
    expect(lost).toBeLessThan(1)
  })

  it('never goes below zero', () => {
    expect(drain({ pct: 1, lifeYears: 4, installedMs: 0, expiryMs: 0 }, 10 * YEAR, 40)).toBe(0)
  })

  it('is found in service at many ages: charges spread, a few past their use-by date', () => {
    const rnd = createRandom(42)
    const now = Date.UTC(2026, 10, 26)
    const batteries = Array.from({ length: 1000 }, () => initialBattery(rnd, now))
    for (const b of batteries) {
      expect(b.pct).toBeGreaterThanOrEqual(0)
      expect(b.pct).toBeLessThanOrEqual(100)
      expect(b.expiryMs - b.installedMs).toBeCloseTo(5 * YEAR, -3)
    }
    const expired = batteries.filter((b) => b.expiryMs < now).length
    expect(expired).toBeGreaterThan(10)
    expect(expired).toBeLessThan(150)
    expect(batteries.filter((b) => b.pct > 80).length).toBeGreaterThan(100)
    expect(batteries.filter((b) => b.pct < 30).length).toBeGreaterThan(50)
  })
})
