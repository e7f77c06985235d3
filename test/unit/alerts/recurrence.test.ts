import { describe, expect, it } from 'vitest'
import { inRecurrence, nextOccurrence, recurrenceSchema } from '../../../gateway/alerts/recurrence.ts'

/** An instant given in Bangkok wall time (UTC+7). */
const bkk = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00+07:00`)
// Tuesday 24 November 2026
const slot = recurrenceSchema.parse({ weekdays: ['tue'], start: '09:00', duration_minutes: 180 })

describe('weekly recurrence', () => {
  it('defaults to Bangkok time and holds from the start for its duration on its weekdays', () => {
    expect(slot.tz).toBe('Asia/Bangkok')
    expect(inRecurrence(slot, bkk('2026-11-24', '08:59'))).toBe(false)
    expect(inRecurrence(slot, bkk('2026-11-24', '09:00'))).toBe(true)
    expect(inRecurrence(slot, bkk('2026-11-24', '11:59'))).toBe(true)
    expect(inRecurrence(slot, bkk('2026-11-24', '12:00'))).toBe(false)
    expect(inRecurrence(slot, bkk('2026-11-25', '10:00'))).toBe(false) // Wednesday
    expect(inRecurrence(slot, bkk('2026-12-01', '10:00'))).toBe(true) // the Tuesday after
  })

  it('runs past midnight into the next day, also from Saturday into Sunday', () => {
    const night = recurrenceSchema.parse({ weekdays: ['sat'], start: '22:00', duration_minutes: 240 })
    expect(inRecurrence(night, bkk('2026-11-28', '23:30'))).toBe(true)
    expect(inRecurrence(night, bkk('2026-11-29', '01:59'))).toBe(true)
    expect(inRecurrence(night, bkk('2026-11-29', '02:00'))).toBe(false)
    expect(inRecurrence(night, bkk('2026-11-28', '01:00'))).toBe(false)
  })

  it('reads wall time in the zone it is given', () => {
    const utc = recurrenceSchema.parse({ weekdays: ['tue'], start: '09:00', duration_minutes: 60, tz: 'UTC' })
    expect(inRecurrence(utc, Date.parse('2026-11-24T09:30:00Z'))).toBe(true)
    expect(inRecurrence(utc, bkk('2026-11-24', '09:30'))).toBe(false)
  })

  it('tells when the next slot starts, and nothing past the end', () => {
    expect(nextOccurrence(slot, bkk('2026-11-24', '10:00'), Number.MAX_SAFE_INTEGER)).toBe(
      bkk('2026-12-01', '09:00'),
    )
    expect(nextOccurrence(slot, bkk('2026-11-23', '09:00'), Number.MAX_SAFE_INTEGER)).toBe(
      bkk('2026-11-24', '09:00'),
    )
    expect(nextOccurrence(slot, bkk('2026-11-24', '10:00'), bkk('2026-11-30', '00:00'))).toBeNull()
  })

  it('refuses an unknown zone, a bad time and an empty week', () => {
    expect(
      recurrenceSchema.safeParse({
        weekdays: ['tue'],
        start: '09:00',
        duration_minutes: 60,
        tz: 'Mars/Olympus',
      }).success,
    ).toBe(false)
    expect(
      recurrenceSchema.safeParse({ weekdays: ['tue'], start: '9:00', duration_minutes: 60 }).success,
    ).toBe(false)
    expect(recurrenceSchema.safeParse({ weekdays: [], start: '09:00', duration_minutes: 60 }).success).toBe(
      false,
    )
  })
})
