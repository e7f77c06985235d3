import { describe, expect, it } from 'vitest'
import { clockSkew } from '../../../gateway/rules/clock-skew.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('clock skew rule', () => {
  const t = new FakeClock().now

  it('is minor while messages arrive with a clock ahead, and clears when it is right', () => {
    expect(clockSkew.evaluate(inputAfter([hbReading('C-001', t, {}, 600_000)], t))).toMatchObject({
      fire: true,
      severity: 'minor',
    })
    const fixed = [hbReading('C-001', t, {}, 600_000), hbReading('C-001', t + 1000, {}, 10)]
    expect(clockSkew.evaluate(inputAfter(fixed, t + 1000)).fire).toBe(false)
  })
})
