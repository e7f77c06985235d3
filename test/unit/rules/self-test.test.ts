import { describe, expect, it } from 'vitest'
import { selfTestFailed } from '../../../gateway/rules/self-test-failed.ts'
import { selfTestOverdue } from '../../../gateway/rules/self-test-overdue.ts'
import { evReading, FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('self-test rules', () => {
  const t = new FakeClock().now

  it('raises a failed self-test as critical and clears on the next pass', () => {
    const failed = [hbReading('C-001', t), evReading('C-001', t + 1000, 'self_test', { result: 'fail' })]
    expect(selfTestFailed.evaluate(inputAfter(failed, t + 1000))).toMatchObject({
      fire: true,
      severity: 'critical',
    })
    const passed = [...failed, evReading('C-001', t + 2000, 'self_test', { result: 'pass' })]
    expect(selfTestFailed.evaluate(inputAfter(passed, t + 2000)).fire).toBe(false)
  })

  it('warns when no self-test was seen for 48 hours', () => {
    const tested = [
      evReading('C-001', t, 'self_test', { result: 'pass' }),
      hbReading('C-001', t + 47 * 3_600_000),
    ]
    expect(selfTestOverdue.evaluate(inputAfter(tested, t + 47 * 3_600_000)).fire).toBe(false)
    expect(selfTestOverdue.evaluate(inputAfter(tested, t + 49 * 3_600_000))).toMatchObject({
      fire: true,
      severity: 'warning',
    })
  })

  it('takes the self-test time a heartbeat reports, so an unchanged "pass" does not look overdue', () => {
    const day = 24 * 3_600_000
    const reported = [
      hbReading('C-001', t, { self_test: 'pass', self_test_at: t }),
      hbReading('C-001', t + 3 * day, { self_test: 'pass', self_test_at: t + 3 * day - 3_600_000 }),
    ]
    expect(selfTestOverdue.evaluate(inputAfter(reported, t + 3 * day)).fire).toBe(false)
    const stale = [
      hbReading('C-001', t, { self_test: 'pass', self_test_at: t }),
      hbReading('C-001', t + 3 * day, { self_test: 'pass', self_test_at: t }),
    ]
    expect(selfTestOverdue.evaluate(inputAfter(stale, t + 3 * day)).fire).toBe(true)
  })
})
