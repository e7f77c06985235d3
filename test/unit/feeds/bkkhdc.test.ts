import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'
import { aggregate, type Row } from '../../../gateway/feeds/bkkhdc/aggregate.ts'
import { causeOf } from '../../../gateway/feeds/bkkhdc/causes.ts'
import { BkkhdcExports } from '../../../gateway/feeds/bkkhdc/exports.ts'
import { periodOf, previousMonth } from '../../../gateway/feeds/bkkhdc/period.ts'
import type { History } from '../../../gateway/feeds/bkkhdc/queries.ts'
import { nextRun } from '../../../gateway/feeds/bkkhdc/schedule.ts'
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

describe('schedule', () => {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

  it('runs next on the 20th at 02:00 Bangkok time (19:00 UTC the day before)', () => {
    expect(iso(nextRun('0 2 20 * *', Date.UTC(2026, 10, 26, 6)))).toBe('2026-12-19T19:00:00.000Z')
    // 20 January 01:59 in Bangkok: the same morning
    expect(iso(nextRun('0 2 20 * *', Date.UTC(2026, 0, 19, 18, 59)))).toBe('2026-01-19T19:00:00.000Z')
    // exactly at 02:00 the next run is a month later
    expect(iso(nextRun('0 2 20 * *', Date.UTC(2026, 0, 19, 19, 0)))).toBe('2026-02-19T19:00:00.000Z')
  })

  it('is what GET /api/v1/exports/bkkhdc reports, from the injected clock', () => {
    const config = loadConfig({}, {}).feeds.bkkhdc
    const exports = new BkkhdcExports({
      config,
      store: null as never,
      influx: { query: async () => [] },
      registry: { list: () => [] },
      clock: () => Date.UTC(2026, 4, 20, 12),
      log: pino({ level: 'silent' }),
    })
    expect(iso(exports.nextRunMs())).toBe('2026-06-19T19:00:00.000Z')
  })

  it('understands lists, ranges, steps and day-of-week', () => {
    // Mondays at 08:30 Bangkok: 30 November 2026 is a Monday
    expect(iso(nextRun('30 8 * * 1', Date.UTC(2026, 10, 26)))).toBe('2026-11-30T01:30:00.000Z')
    expect(iso(nextRun('*/15 9-10 1,15 * *', Date.UTC(2026, 10, 26)))).toBe('2026-12-01T02:00:00.000Z')
  })
})

describe('median minutes to restore', () => {
  // five cabinets in Bang Na, all ready before March 2026 (Bangkok time)
  const bkk = (d: number, h = 0, m = 0) => Date.UTC(2026, 2, d, h - 7, m)
  const cabinets = ['1', '2', '3', '4', '5'].map((n) => ({
    id: `BKK-1047-000${n}`,
    district: '1047',
    createdMs: Date.UTC(2025, 0, 1),
    retiredMs: null,
  }))
  /** One spell per entry: cabinet index and minutes unavailable, each on its own day. */
  function monthWith(spells: number[]): Row {
    const readiness: History['readiness'] = new Map(
      cabinets.map((c) => [
        c.id,
        { district: '1047', initial: { atMs: bkk(-5), state: 'ready', codes: '' }, points: [] },
      ]),
    )
    spells.forEach((minutes, i) => {
      const points = readiness.get(cabinets[i % 5]!.id)!.points
      points.push(
        { atMs: bkk(i + 1, 9), state: 'not_ready', codes: 'battery_low' },
        { atMs: bkk(i + 1, 9) + minutes * 60_000, state: 'ready', codes: '' },
      )
    })
    const history: History = { readiness, reporting: [], aedUses: new Map(), alerts: new Map(), expiries: [] }
    return aggregate(periodOf('2026-03'), history, cabinets).monthly[0]!
  }

  it('is suppressed from fewer than 10 spells: the median of an odd number of them is one real spell', () => {
    expect(monthWith([31, 47, 52, 64, 90]).median_minutes_to_restore).toBe(SUPPRESSED)
    expect(monthWith([31, 47, 52, 64, 90, 91, 93, 95, 97]).median_minutes_to_restore).toBe(SUPPRESSED)
  })

  it('is rounded to 5 minutes from 10 spells or more', () => {
    // median of ten: (64 + 71) / 2 = 67.5 → 70
    expect(monthWith([31, 47, 52, 58, 64, 71, 90, 93, 95, 97]).median_minutes_to_restore).toBe(70)
    // eleven: the sixth, 62, is written 60, not as the real spell
    expect(monthWith([31, 47, 52, 58, 61, 62, 71, 90, 93, 95, 97]).median_minutes_to_restore).toBe(60)
  })
})
