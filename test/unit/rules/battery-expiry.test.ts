import { describe, expect, it } from 'vitest'
import { batteryExpiry } from '../../../gateway/rules/battery-expiry.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('battery expiry rule', () => {
  const clock = new FakeClock()
  const at = (battery_expiry?: string) =>
    batteryExpiry.evaluate(
      inputAfter([hbReading('C-001', clock.now, battery_expiry ? { battery_expiry } : {})], clock.now),
    )

  it('fires within 30 and 7 days and past the date, and stays quiet without a date', () => {
    expect(at().fire).toBe(false)
    expect(at('2027-06-01').fire).toBe(false)
    expect(at('2026-12-15')).toMatchObject({ severity: 'warning' })
    expect(at('2026-11-30')).toMatchObject({ severity: 'major' })
    expect(at('2026-01-01')).toMatchObject({ severity: 'critical' })
  })
})
