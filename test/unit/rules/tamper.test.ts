import { describe, expect, it } from 'vitest'
import { tamper } from '../../../gateway/rules/tamper.ts'
import { evReading, FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('tamper rule', () => {
  const t = new FakeClock().now

  it('raises a tamper event as major, dated by the event, and never clears by itself', () => {
    expect(tamper.evaluate(inputAfter([hbReading('C-001', t)], t))).toEqual({ fire: false, keep: true })
    const v = tamper.evaluate(
      inputAfter(
        [hbReading('C-001', t), evReading('C-001', t + 5, 'tamper', { detail: 'lock forced' })],
        t + 10,
      ),
    )
    expect(v).toMatchObject({ fire: true, severity: 'major', since: t + 5, facts: { detail: 'lock forced' } })
    expect(tamper.manualResolve).toBe(true)
  })
})
