import { describe, expect, it } from 'vitest'
import { batteryLow } from '../../../gateway/rules/battery-low.ts'
import { FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter, RULES_CONFIG } from './rule-input.ts'

describe('battery low rule', () => {
  const clock = new FakeClock()
  const at = (pct: number) =>
    batteryLow.evaluate(inputAfter([hbReading('C-001', clock.now, { battery_pct: pct })], clock.now))

  it('is a warning under 20 % and critical under 10 %', () => {
    expect(at(25)).toMatchObject({ fire: false, keep: false })
    expect(at(19)).toMatchObject({ fire: true, severity: 'warning' })
    expect(at(9)).toMatchObject({ fire: true, severity: 'critical' })
  })

  it('takes a cabinet’s own thresholds', () => {
    const th = { ...RULES_CONFIG, battery_low: { ...RULES_CONFIG.battery_low, warning_pct: 30 } }
    const v = batteryLow.evaluate(
      inputAfter([hbReading('C-001', clock.now, { battery_pct: 25 })], clock.now, th),
    )
    expect(v).toMatchObject({ fire: true, severity: 'warning' })
  })
})
