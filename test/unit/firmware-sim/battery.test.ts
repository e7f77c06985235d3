import { describe, expect, it } from 'vitest'
import { DAY } from '../../../firmware-sim/clock.ts'
import {
  drain,
  drainPctPerHour,
  dueForReplacement,
  initialBattery,
  newBattery,
  RATED_YEARS,
} from '../../../firmware-sim/model/battery.ts'
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

  it('is found in a maintained cabinet at any point before it is due: charge and use-by date agree', () => {
    const rnd = createRandom(42)
    const now = Date.UTC(2026, 10, 26)
    const batteries = Array.from({ length: 1000 }, () => initialBattery(rnd, now, 30))
    for (const b of batteries) {
      expect(b.pct).toBeGreaterThanOrEqual(30)
      expect(b.pct).toBeLessThanOrEqual(100)
      expect(b.expiryMs - b.installedMs).toBeCloseTo(RATED_YEARS * YEAR, -3)
      expect(b.expiryMs - now).toBeGreaterThanOrEqual(60 * DAY - 1)
      expect(dueForReplacement(b, now)).toBe(false)
    }
    expect(batteries.filter((b) => b.pct > 80).length).toBeGreaterThan(200)
    expect(batteries.filter((b) => b.pct < 50).length).toBeGreaterThan(50)
  })

  it('is found flat and past its use-by date in a neglected cabinet', () => {
    const rnd = createRandom(42)
    const now = Date.UTC(2026, 10, 26)
    for (let i = 0; i < 200; i++) {
      const b = initialBattery(rnd, now, 30, true)
      expect(b.pct).toBeLessThan(10)
      expect(b.expiryMs).toBeLessThan(now)
    }
  })

  it('when new, reaches its use-by date with about 15 % left at Bangkok’s mean 30 °C, sooner in the sun', () => {
    const b = newBattery(createRandom(1), 0)
    const atUseBy = drain(b, RATED_YEARS * YEAR, 30)
    expect(atUseBy).toBeGreaterThan(5)
    expect(atUseBy).toBeLessThan(25)
    expect(drain(b, RATED_YEARS * YEAR, 36)).toBeLessThan(atUseBy)
  })
})
