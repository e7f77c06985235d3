// date-holidays-parser ships type declarations its package's `exports` do not point to: the part
// the gateway uses (gateway/feeds/healthmap/thai-holidays.ts).
declare module 'date-holidays-parser' {
  export default class HolidaysParser {
    constructor(
      data: object,
      country: string,
      opts?: { types?: Array<'public' | 'bank' | 'optional' | 'school' | 'observance'> },
    )
    getHolidays(year?: number): Array<{ date: string; type: string; name: string }>
  }
}
