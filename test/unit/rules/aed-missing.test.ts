import { describe, expect, it } from 'vitest'
import { aedMissing } from '../../../gateway/rules/aed-missing.ts'
import { evReading, FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter, RULES_CONFIG } from './rule-input.ts'

describe('AED missing rule', () => {
  const t = new FakeClock().now
  const removed = [hbReading('C-001', t), evReading('C-001', t, 'aed_removed')]

  it('fires when the AED is not back within 4 hours', () => {
    expect(aedMissing.evaluate(inputAfter(removed, t + 3.9 * 3_600_000)).fire).toBe(false)
    expect(aedMissing.evaluate(inputAfter(removed, t + 4.1 * 3_600_000))).toMatchObject({
      fire: true,
      severity: 'critical',
    })
  })

  it('uses the configured time and clears on return', () => {
    const th = { ...RULES_CONFIG, aed_missing: { for_ms: 0, after_ms: 60_000 } }
    expect(aedMissing.evaluate(inputAfter(removed, t + 120_000, th)).fire).toBe(true)
    const back = [...removed, evReading('C-001', t + 100_000, 'aed_returned')]
    expect(aedMissing.evaluate(inputAfter(back, t + 120_000, th))).toEqual({ fire: false, keep: false })
  })
})
