import { describe, expect, it } from 'vitest'
import { causeOf } from '../../../gateway/feeds/bkkhdc/causes.ts'
import { periodOf, previousMonth } from '../../../gateway/feeds/bkkhdc/period.ts'
import { SUPPRESSED, suppressCount, suppressMeasure } from '../../../gateway/feeds/bkkhdc/suppress.ts'

describe('small-count suppression', () => {
  it('writes counts from 1 to 4 as suppressed, 0 and 5+ as they are', () => {
    expect([0, 1, 2, 3, 4, 5, 17].map(suppressCount)).toEqual([
      0,
      SUPPRESSED,
      SUPPRESSED,
      SUPPRESSED,
      SUPPRESSED,
      5,
      17,
    ])
  })

  it('suppresses a measure computed from 1 to 4 cabinets', () => {
    expect(suppressMeasure(0.93, 4)).toBe(SUPPRESSED)
    expect(suppressMeasure(0.93, 5)).toBe(0.93)
    expect(suppressMeasure(0, 0)).toBe(0)
  })
})

describe('periods in Bangkok time', () => {
  it('starts a month at Bangkok midnight (17:00 UTC the day before)', () => {
    const p = periodOf('2026-02')
    expect(new Date(p.startMs).toISOString()).toBe('2026-01-31T17:00:00.000Z')
    expect(new Date(p.endMs).toISOString()).toBe('2026-02-28T17:00:00.000Z')
    expect(p.days).toHaveLength(28)
  })

  it('takes the previous calendar month in Bangkok time', () => {
    // 1 March 2026 01:00 in Bangkok is still 28 February in UTC
    expect(previousMonth(Date.UTC(2026, 1, 28, 18))).toBe('2026-02')
    expect(previousMonth(Date.UTC(2026, 0, 20, 0))).toBe('2025-12')
  })

  it('refuses a malformed month', () => {
    expect(() => periodOf('2026-13')).toThrow(/YYYY-MM/)
  })
})

describe('causes of unavailability', () => {
  it('picks one cause per spell, the AED being away first', () => {
    expect(causeOf('ready', 'pad_expiry')).toBeNull()
    expect(causeOf('degraded', 'battery_low')).toBeNull()
    expect(causeOf('in_use', 'aed_in_use')).toBe('missing')
    expect(causeOf('not_ready', 'aed_missing,battery_low')).toBe('missing')
    expect(causeOf('not_ready', 'battery_expiry,pad_expiry')).toBe('battery')
    expect(causeOf('not_ready', 'pad_expiry')).toBe('pads')
    expect(causeOf('not_ready', 'self_test_failed')).toBe('self_test')
    expect(causeOf('offline', 'offline')).toBe('offline')
    expect(causeOf('unknown', '')).toBe('offline')
    expect(causeOf('not_ready', 'temperature')).toBe('other')
  })
})
