import { describe, expect, it } from 'vitest'
import { OpeningHoursEvaluator } from '../../../gateway/feeds/healthmap/opening-hours.ts'
import { ThaiHolidays } from '../../../gateway/feeds/healthmap/thai-holidays.ts'

/** An instant in Bangkok wall time (UTC+7). */
const bkk = (date: string, h: number, m = 0) =>
  Date.parse(`${date}T00:00:00Z`) + (h - 7) * 3_600_000 + m * 60_000

describe('Thai public holidays', () => {
  const th = new ThaiHolidays()

  it('knows the fixed and the lunar holidays of 2026', () => {
    expect(th.isHoliday('2026-04-06')).toBe(true) // Chakri Memorial Day, a Monday
    expect(th.isHoliday('2026-04-13')).toBe(true) // Songkran
    expect(th.isHoliday('2026-05-31')).toBe(true) // Visakha Bucha, a Sunday
    expect(th.isHoliday('2026-04-07')).toBe(false)
    expect(th.isHoliday('2026-11-26')).toBe(false)
  })

  it('adds the substitution day after a holiday on a weekend, skipping other holidays', () => {
    // Visakha Bucha on Sunday 31 May 2026: Monday 1 June off
    expect(th.isHoliday('2026-06-01')).toBe(true)
    // King Bhumibol's Birthday on Saturday 5 December 2026: Monday 7 December off
    expect(th.isHoliday('2026-12-07')).toBe(true)
    expect(th.isHoliday('2026-12-08')).toBe(false)
    // Songkran 2025 began on a Sunday: the day after the three Songkran days, Wednesday 16 April
    expect(th.isHoliday('2025-04-16')).toBe(true)
    expect(th.isHoliday('2025-04-07')).toBe(true) // Chakri Memorial Day on Sunday 6 April 2025
  })

  it('takes special holidays announced during the year', () => {
    expect(new ThaiHolidays(['2026-11-27']).isHoliday('2026-11-27')).toBe(true)
  })
})

describe('PH in opening_hours', () => {
  const oh = new OpeningHoursEvaluator()
  const office = 'Mo-Fr 08:00-17:00; PH off'

  it('closes an office on a public holiday and on a substitution day', () => {
    expect(oh.openAt(office, bkk('2026-04-06', 10))).toBe(false) // Chakri Memorial Day
    expect(oh.openAt(office, bkk('2026-06-01', 10))).toBe(false) // substitution for Visakha Bucha
    expect(oh.openAt(office, bkk('2026-04-07', 10))).toBe(true) // an ordinary Tuesday
    expect(oh.openAt(office, bkk('2026-06-02', 10))).toBe(true)
  })

  it('opens on holidays where PH adds hours, and only then', () => {
    const mall = 'Mo-Fr 10:00-18:00; Sa,Su,PH 10:00-22:00'
    expect(oh.openAt(mall, bkk('2026-04-06', 20))).toBe(true) // Monday holiday: weekend hours
    expect(oh.openAt(mall, bkk('2026-04-07', 20))).toBe(false) // Tuesday: closed at 20:00
    const holidaysOnly = 'PH 09:00-12:00'
    expect(oh.openAt(holidaysOnly, bkk('2026-06-01', 10))).toBe(true)
    expect(oh.openAt(holidaysOnly, bkk('2026-06-02', 10))).toBe(false)
  })

  it('follows a holiday range past midnight into the next day', () => {
    const late = 'PH 20:00-02:00'
    expect(oh.openAt(late, bkk('2026-04-07', 1))).toBe(true) // 01:00 after Chakri Memorial Day
    expect(oh.openAt(late, bkk('2026-04-08', 1))).toBe(false)
  })

  it('counts PH values as valid', () => {
    expect(oh.valid(office)).toBe(true)
  })
})
