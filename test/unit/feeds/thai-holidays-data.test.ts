import Holidays from 'date-holidays'
import { describe, expect, it } from 'vitest'
import { TH_HOLIDAY_DATA } from '../../../gateway/feeds/healthmap/th-holidays-data.ts'
import { ThaiHolidays } from '../../../gateway/feeds/healthmap/thai-holidays.ts'
import { thaiData } from '../../../scripts/th-holidays.ts'

describe("Thailand's holiday rules, extracted from date-holidays", () => {
  it('are the installed date-holidays data for TH (else run `npx tsx scripts/th-holidays.ts`)', async () => {
    expect(TH_HOLIDAY_DATA).toEqual(await thaiData())
  })

  it('give the same public holidays as the whole package, year by year', () => {
    const full = new Holidays('TH', { types: ['public'] })
    const ours = new ThaiHolidays()
    for (let year = 2020; year <= 2035; year++) {
      const expected = [...new Set(full.getHolidays(year).map((h) => h.date.slice(0, 10)))].sort()
      expect(expected.length).toBeGreaterThan(10)
      // ThaiHolidays adds substitution days: every holiday of the package is among its days
      const days = ours.ofYear(year)
      for (const d of expected) expect(days.has(d), `${d} missing`).toBe(true)
    }
  })
})
