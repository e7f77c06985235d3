import { describe, expect, it } from 'vitest'
import { doorLeftOpen } from '../../../gateway/rules/door-left-open.ts'
import { evReading, FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('door left open rule', () => {
  const clock = new FakeClock()
  const t = clock.now
  const opened = [hbReading('C-001', t), evReading('C-001', t, 'door_open')]

  it('fires only after 10 minutes open with the AED inside', () => {
    expect(doorLeftOpen.evaluate(inputAfter(opened, t + 9 * 60_000)).fire).toBe(false)
    expect(doorLeftOpen.evaluate(inputAfter(opened, t + 11 * 60_000))).toMatchObject({
      fire: true,
      severity: 'warning',
    })
  })

  it('leaves an open door with the AED out to the in-use rule', () => {
    const out = [...opened, evReading('C-001', t + 1000, 'aed_removed')]
    expect(doorLeftOpen.evaluate(inputAfter(out, t + 20 * 60_000)).fire).toBe(false)
  })
})
