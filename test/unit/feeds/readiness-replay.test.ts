import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'
import { type ReadinessAt, ReadinessReplay, reasonCodes } from '../../../gateway/feeds/readiness-replay.ts'
import type { Heartbeat } from '../../../gateway/protocol/heartbeat.ts'
import { readinessOf } from '../../../gateway/rules/readiness.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 20, 3, 0)
const th = loadConfig({}, {}).alerts.rules
const readinessAt: ReadinessAt = (cabinet, live, now) => readinessOf({ cabinet, live, info: null, now, th })

function hb(ts: number, h: Partial<Heartbeat> = {}): Heartbeat {
  return {
    ts,
    seq: 1,
    battery_pct: 87,
    pad_expiry: '2030-05-01',
    door: 'closed',
    aed_present: true,
    self_test: 'pass',
    power: 'mains',
    interval_s: 60,
    ...h,
  }
}

const states = (r: ReadinessReplay) => r.changes.map((c) => [(c.atMs - T0) / MIN, c.readiness])

describe('readiness replayed in device time', () => {
  it('turns offline after the missed heartbeats of a gap, and ready again with the next one', () => {
    const r = new ReadinessReplay('C-1', readinessAt, T0, MIN)
    r.heartbeat(hb(T0))
    r.heartbeat(hb(T0 + MIN))
    r.heartbeat(hb(T0 + 20 * MIN))
    const last = r.finish(T0 + 21 * MIN)
    // 3 missed heartbeats of 60 s: offline 3 minutes after the last one
    expect(states(r)).toEqual([
      [0, 'ready'],
      [4, 'offline'],
      [20, 'ready'],
    ])
    expect(last?.readiness).toBe('ready')
  })

  it('starts the window with the state in force, looking at the readings before it for context', () => {
    const r = new ReadinessReplay('C-1', readinessAt, T0 + 12 * MIN, MIN)
    r.heartbeat(hb(T0, { door: 'open' }))
    r.heartbeat(hb(T0 + 2 * MIN, { door: 'open' }))
    r.heartbeat(hb(T0 + 12 * MIN, { door: 'open' }))
    r.heartbeat(hb(T0 + 13 * MIN, { door: 'closed' }))
    r.finish(T0 + 13 * MIN)
    const first = r.changes[0]
    expect(first?.atMs).toBe(T0 + 12 * MIN)
    // open since T0, over the 10 minutes of door_left_open: known only from readings before the window
    expect(first?.codes).toContain('door_left_open')
    expect(states(r).at(-1)).toEqual([13, 'ready'])
  })

  it('applies events at their own time, between heartbeats', () => {
    const r = new ReadinessReplay('C-1', readinessAt, T0, MIN)
    r.heartbeat(hb(T0))
    r.event({ ts: T0 + 30_000, seq: 2, type: 'aed_removed' })
    r.heartbeat(hb(T0 + MIN, { aed_present: false }))
    r.event({ ts: T0 + 90_000, seq: 3, type: 'aed_returned' })
    r.heartbeat(hb(T0 + 2 * MIN))
    r.finish(T0 + 2 * MIN)
    expect(r.changes.map((c) => [c.atMs - T0, c.readiness])).toEqual([
      [0, 'ready'],
      [30_000, 'in_use'],
      [90_000, 'ready'],
    ])
  })

  it('crosses a gap of months with the changes a look at every step finds, in a few hundred looks', () => {
    const DAY = 1440 * MIN
    // pads expiring 40 days in (warning, major, then expired), a self-test going overdue, offline
    const beats = [hb(T0, { pad_expiry: '2026-12-30' }), hb(T0 + 3 * MIN, { pad_expiry: '2026-12-30' })]
    for (const [windowStart, end] of [
      [T0, T0 + 120 * DAY],
      [T0 + 45 * DAY + 7 * MIN, T0 + 120 * DAY],
      [T0 + 200 * DAY, T0 + 120 * DAY + 5 * MIN],
    ] as const) {
      let looks = 0
      const counted: ReadinessAt = (c, l, now) => {
        looks++
        return readinessAt(c, l, now)
      }
      const r = new ReadinessReplay('C-1', counted, windowStart, MIN)
      for (const b of beats) r.heartbeat(b)
      r.finish(end)
      expect(r.changes.map((c) => [c.atMs, c.codes])).toEqual(everyStep(beats, windowStart, end))
      expect(looks).toBeLessThan(1000)
    }
  })
})

/** What the replay must give, worked out by looking at every step of every gap (172,800 looks). */
function everyStep(beats: Heartbeat[], windowStart: number, end: number): Array<[number, string]> {
  const live = new LiveState()
  const out: Array<[number, string]> = []
  let current: string | null = null
  const look = (at: number) => {
    const r = readinessAt('C-1', live.get('C-1')!, at)
    const key = `${r.readiness}|${reasonCodes(r.reasons)}`
    const same = key === current
    current = key
    if (at >= windowStart && (!same || out.length === 0)) out.push([at, reasonCodes(r.reasons)])
  }
  const times = [...beats.map((b) => b.ts), end]
  for (const [i, b] of beats.entries()) {
    live.onReading({
      kind: 'heartbeat',
      cabinet: 'C-1',
      value: b,
      meta: { cabinet: 'C-1', district: '', timeMs: b.ts, receivedMs: b.ts, skewMs: 0, skewed: false },
    })
    const next = times[i + 1] as number
    for (let at = b.ts; at < next; at += MIN) look(at)
  }
  look(end)
  return out
}
