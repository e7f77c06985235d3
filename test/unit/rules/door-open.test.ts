import { describe, expect, it } from 'vitest'
import { aedInUse } from '../../../gateway/rules/aed-in-use.ts'
import { doorOpen } from '../../../gateway/rules/door-open.ts'
import { evReading, FakeClock, hbReading } from '../../helpers/readings.ts'
import { inputAfter } from './rule-input.ts'

describe('door open and AED in use rules', () => {
  const clock = new FakeClock()

  it('raises door open on the event, at once', () => {
    const t = clock.now
    const input = inputAfter([hbReading('C-001', t), evReading('C-001', t + 1000, 'door_open')], t + 1000)
    expect(doorOpen.evaluate(input)).toMatchObject({ fire: true, severity: 'major', since: t + 1000 })
    expect(aedInUse.evaluate(input).fire).toBe(false)
  })

  it('calls a removed AED "in use" (critical) and clears when it is returned', () => {
    const t = clock.now
    const removed = [
      hbReading('C-001', t),
      evReading('C-001', t + 1000, 'door_open'),
      evReading('C-001', t + 2000, 'aed_removed'),
    ]
    expect(aedInUse.evaluate(inputAfter(removed, t + 2000))).toMatchObject({
      fire: true,
      severity: 'critical',
    })
    const back = [...removed, evReading('C-001', t + 60_000, 'aed_returned')]
    expect(aedInUse.evaluate(inputAfter(back, t + 60_000))).toEqual({ fire: false, keep: false })
  })

  it('clears door open when the door closes, and ignores an older buffered message', () => {
    const t = clock.now
    const readings = [
      evReading('C-001', t, 'door_open'),
      evReading('C-001', t + 5000, 'door_closed'),
      evReading('C-001', t + 2000, 'door_open'),
    ]
    expect(doorOpen.evaluate(inputAfter(readings, t + 6000)).fire).toBe(false)
  })
})
