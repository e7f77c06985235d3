import { describe, expect, it } from 'vitest'
import { padExpiry } from '../../../gateway/rules/pad-expiry.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('pad expiry rule', () => {
  // 2026-11-26 11:00 in Bangkok
  const clock = new FakeClock()
  const at = (pad_expiry: string) =>
    padExpiry.evaluate(inputAfter([hbReading('C-001', clock.now, { pad_expiry })], clock.now))

  it('warns within 30 days, is major within 7 and critical once expired', () => {
    expect(at('2027-01-10').fire).toBe(false)
    expect(at('2026-12-20')).toMatchObject({ fire: true, severity: 'warning', facts: { days_left: 24 } })
    expect(at('2026-12-01')).toMatchObject({ fire: true, severity: 'major', facts: { days_left: 5 } })
    expect(at('2026-11-26')).toMatchObject({ fire: true, severity: 'major', facts: { days_left: 0 } })
    expect(at('2026-11-25')).toMatchObject({ fire: true, severity: 'critical' })
  })

  it('counts days in Bangkok time, not UTC', () => {
    // 2026-11-26 18:00 UTC is already the 27th in Bangkok: pads dated the 26th are expired
    clock.now = Date.UTC(2026, 10, 26, 18, 0, 0)
    expect(at('2026-11-26')).toMatchObject({ severity: 'critical' })
  })
})
