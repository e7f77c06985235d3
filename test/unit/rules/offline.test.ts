import { describe, expect, it } from 'vitest'
import { offline } from '../../../gateway/rules/offline.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'
import { FakeClock, hbReading, statusReading } from '../../helpers/readings.ts'
import { inputAfter, RULES_CONFIG } from './rule-input.ts'

describe('offline rule', () => {
  const t = new FakeClock().now

  it('waits out the grace period after a last will, so flapping raises nothing', () => {
    const readings = [hbReading('C-001', t), statusReading('C-001', t + 1000, 'offline')]
    expect(offline.evaluate(inputAfter(readings, t + 60_000))).toEqual({ fire: false, keep: true })
    expect(offline.evaluate(inputAfter(readings, t + 1000 + 120_000))).toMatchObject({
      fire: true,
      facts: { cause: 'connection' },
    })
    const back = [...readings, statusReading('C-001', t + 30_000, 'online')]
    expect(offline.evaluate(inputAfter(back, t + 200_000)).fire).toBe(false)
  })

  it('fires on a lost connection after the grace period', () => {
    const state = new LiveState()
    state.onReading(hbReading('C-001', t))
    state.onConnection('C-001', false, t + 10_000)
    const live = state.get('C-001')!
    const input = { cabinet: 'C-001', live, info: { district: '1001' }, th: RULES_CONFIG }
    expect(offline.evaluate({ ...input, now: t + 100_000 }).fire).toBe(false)
    expect(offline.evaluate({ ...input, now: t + 131_000 }).fire).toBe(true)
  })

  it('fires after three missed heartbeats of the cabinet’s own interval', () => {
    const readings = [hbReading('C-001', t, { interval_s: 60 })]
    expect(offline.evaluate(inputAfter(readings, t + 179_000)).fire).toBe(false)
    expect(offline.evaluate(inputAfter(readings, t + 180_000))).toMatchObject({
      fire: true,
      facts: { cause: 'heartbeats' },
    })
    const input = inputAfter(readings, t + 200_000)
    expect(offline.evaluate({ ...input, info: { district: '1001', heartbeat_interval_s: 600 } }).fire).toBe(
      false,
    )
  })
})
