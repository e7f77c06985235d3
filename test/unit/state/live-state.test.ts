import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'
import { readinessOf } from '../../../gateway/rules/readiness.ts'
import { batteryForecast } from '../../../gateway/state/battery-forecast.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'
import { evReading, FakeClock, hbReading, statusReading } from '../../helpers/readings.ts'

const th = loadConfig({}).alerts.rules

describe('live state and readiness', () => {
  const clock = new FakeClock()
  const readiness = (state: LiveState, now = clock.now) =>
    readinessOf({ cabinet: 'C-001', live: state.get('C-001'), info: { district: '1001' }, now, th })

  it('is unknown before any message and ready on a healthy heartbeat', () => {
    const s = new LiveState()
    expect(readiness(s)).toEqual({ readiness: 'unknown', reasons: [] })
    s.onReading(hbReading('C-001', clock.now))
    expect(readiness(s)).toEqual({ readiness: 'ready', reasons: [] })
  })

  it('says degraded, not_ready, in_use or offline with the reasons', () => {
    const s = new LiveState()
    s.onReading(hbReading('C-001', clock.now, { battery_pct: 15 }))
    expect(readiness(s)).toMatchObject({
      readiness: 'degraded',
      reasons: [{ code: 'battery_low', severity: 'warning' }],
    })
    s.onReading(hbReading('C-001', clock.advance(1000), { battery_pct: 5 }))
    expect(readiness(s).readiness).toBe('not_ready')
    s.onReading(evReading('C-001', clock.advance(1000), 'aed_removed'))
    expect(readiness(s).readiness).toBe('in_use')
    s.onReading(evReading('C-001', clock.advance(1000), 'aed_returned'))
    s.onReading(statusReading('C-001', clock.advance(1000), 'offline'))
    expect(readiness(s, clock.now + 200_000).readiness).toBe('offline')
  })

  it('marks changed cabinets dirty for saving, and every cabinet disconnected after a restart', () => {
    const s = new LiveState()
    s.onReading(hbReading('C-001', clock.now))
    s.onConnection('C-002', true, clock.now)
    expect(s.takeDirty().sort()).toEqual(['C-001', 'C-002'])
    expect(s.takeDirty()).toEqual([])
    s.markAllDisconnected(clock.now + 5)
    expect(s.get('C-002')).toMatchObject({ connected: false, offline_since_ms: clock.now + 5 })
  })

  it('keeps one battery sample per interval and restarts the trend when a battery is replaced', () => {
    const s = new LiveState({ sampleIntervalMs: 3_600_000 })
    const t = clock.now
    for (let i = 0; i < 10; i++) s.onReading(hbReading('C-001', t + i * 1_800_000, { battery_pct: 80 - i }))
    expect(s.get('C-001')!.battery_samples.map(([, p]) => p)).toEqual([80, 78, 76, 74, 72])
    s.onReading(hbReading('C-001', t + 20 * 1_800_000, { battery_pct: 100 }))
    expect(s.get('C-001')!.battery_samples).toEqual([[t + 20 * 1_800_000, 100]])
  })
})

describe('battery forecast', () => {
  it('extrapolates the trend to the low threshold', () => {
    const day = 86_400_000
    const samples: Array<[number, number]> = [0, 1, 2, 3, 4].map((d) => [d * day, 60 - 2 * d])
    const f = batteryForecast(samples, 20, 4)
    expect(f?.pct_per_day).toBeCloseTo(-2)
    expect(f!.date_ms / day).toBeCloseTo(20)
  })

  it('gives no date for a flat or rising charge, or too few samples', () => {
    expect(
      batteryForecast(
        [
          [0, 50],
          [1, 50],
          [2, 50],
          [3, 50],
        ],
        20,
        4,
      ),
    ).toBeNull()
    expect(
      batteryForecast(
        [
          [0, 50],
          [1, 40],
        ],
        20,
        4,
      ),
    ).toBeNull()
  })
})
