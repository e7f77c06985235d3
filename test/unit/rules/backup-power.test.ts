import { describe, expect, it } from 'vitest'
import { backupPower } from '../../../gateway/rules/backup-power.ts'
import { evReading, FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('backup power rule', () => {
  const t = new FakeClock().now

  it('warns after 30 minutes off mains and clears when power returns', () => {
    const lost = [hbReading('C-001', t), evReading('C-001', t, 'power_lost')]
    expect(backupPower.evaluate(inputAfter(lost, t + 29 * 60_000)).fire).toBe(false)
    expect(backupPower.evaluate(inputAfter(lost, t + 31 * 60_000))).toMatchObject({
      fire: true,
      severity: 'warning',
    })
    const back = [...lost, evReading('C-001', t + 31 * 60_000, 'power_restored')]
    expect(backupPower.evaluate(inputAfter(back, t + 32 * 60_000)).fire).toBe(false)
  })
})
