import { describe, expect, it } from 'vitest'
import { temperature } from '../../../gateway/rules/temperature.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('temperature rule', () => {
  const t = new FakeClock().now
  const at = (temp_c: number) => temperature.evaluate(inputAfter([hbReading('C-001', t, { temp_c })], t))

  it('warns above 45 °C, is critical above 50 °C', () => {
    expect(at(46)).toMatchObject({ fire: true, severity: 'warning' })
    expect(at(51)).toMatchObject({ fire: true, severity: 'critical' })
  })

  it('clears only below 43 °C (hysteresis)', () => {
    expect(at(44)).toEqual({ fire: false, keep: true })
    expect(at(42.9)).toEqual({ fire: false, keep: false })
  })
})
