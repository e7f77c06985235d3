import { afterEach, describe, expect, it } from 'vitest'
import { evReading, hbReading } from '../../helpers/readings.ts'
import { alertingHarness, type Harness } from './harness.ts'

describe('alert lifecycle', () => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })

  it('keeps one open alert per cabinet and type, with severity rising and falling', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    h.feed(hbReading('C-001', h.clock.advance(60_000), { battery_pct: 15 }))
    let open = h.alerting.lifecycle.open().filter((a) => a.type === 'battery_low')
    expect(open).toHaveLength(1)
    const id = open[0]!.id
    h.alerting.lifecycle.acknowledge(id, 'somchai', 'on my way')
    h.feed(hbReading('C-001', h.clock.advance(60_000), { battery_pct: 8 }))
    open = h.alerting.lifecycle.open().filter((a) => a.type === 'battery_low')
    expect(open).toMatchObject([{ id, severity: 'critical', state: 'active' }])
    h.feed(hbReading('C-001', h.clock.advance(60_000), { battery_pct: 18 }))
    expect(h.alerting.lifecycle.current('C-001', 'battery_low')).toMatchObject({ id, severity: 'warning' })
    h.feed(hbReading('C-001', h.clock.advance(60_000), { battery_pct: 90 }))
    expect(h.alerting.lifecycle.current('C-001', 'battery_low')).toBeUndefined()
    const kinds = h.alerting.store.transitions(id).map((t) => [t.kind, t.to_state, t.by])
    expect(kinds).toEqual([
      ['open', 'active', 'system'],
      ['acknowledge', 'acknowledged', 'somchai'],
      ['severity', 'active', 'system'],
      ['severity', 'active', 'system'],
      ['resolve', 'resolved', 'system'],
    ])
  })

  it('writes each transition to InfluxDB as an `alert` point with low-cardinality tags', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now, { temp_c: 47 }))
    expect(h.lines).toHaveLength(1)
    expect(h.lines[0]).toMatch(
      /^alert,cabinet=C-001,district=1001,severity=warning,state=active,type=temperature by="system",id="al_[a-z0-9]+",kind="open",open=T,severity_level=2i,started_ms=\d+i \d+$/,
    )
  })

  it('reopens an alert that returns within the reopen window, and opens a new one after it', async () => {
    h = await alertingHarness({ reopen_window_ms: 600_000 })
    h.feed(hbReading('C-001', h.clock.now, { temp_c: 47 }))
    const first = h.alerting.lifecycle.current('C-001', 'temperature')!.id
    h.feed(hbReading('C-001', h.clock.advance(60_000), { temp_c: 40 }))
    h.feed(hbReading('C-001', h.clock.advance(60_000), { temp_c: 47 }))
    expect(h.alerting.lifecycle.current('C-001', 'temperature')).toMatchObject({ id: first, reopen_count: 1 })
    h.feed(hbReading('C-001', h.clock.advance(60_000), { temp_c: 40 }))
    h.feed(hbReading('C-001', h.clock.advance(700_000), { temp_c: 47 }))
    expect(h.alerting.lifecycle.current('C-001', 'temperature')!.id).not.toBe(first)
  })

  it('lets a person resolve a tamper alert but not a condition that clears itself', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    h.feed(evReading('C-001', h.clock.advance(1000), 'tamper'))
    const battery = h.alerting.lifecycle.current('C-001', 'battery_low')!
    expect(() => h.alerting.alerts.resolve(battery.id, 'somchai', null)).toThrow(/resolves itself/)
    const tamper = h.alerting.lifecycle.current('C-001', 'tamper')!
    h.alerting.alerts.resolve(tamper.id, 'somchai', 'lock replaced')
    // the same tamper event seen again does not bring it back; a new one does
    h.feed(hbReading('C-001', h.clock.advance(1000), { battery_pct: 15 }))
    expect(h.alerting.lifecycle.current('C-001', 'tamper')).toBeUndefined()
    h.feed(evReading('C-001', h.clock.advance(1000), 'tamper'))
    expect(h.alerting.lifecycle.current('C-001', 'tamper')).toMatchObject({ id: tamper.id, state: 'active' })
  })

  it('keeps alerts, live state and running timers across a restart', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    h.feed(evReading('C-001', h.clock.advance(1000), 'door_open'))
    const battery = h.alerting.lifecycle.current('C-001', 'battery_low')!.id
    h = await h.restart()
    expect(h.alerting.lifecycle.current('C-001', 'battery_low')?.id).toBe(battery)
    expect(h.alerting.readiness.of('C-001').reasons.map((r) => r.code)).toContain('door_open')
    // the door opened before the restart: 10 minutes after that, it was left open
    await h.step(9 * 60_000)
    expect(h.alerting.lifecycle.current('C-001', 'door_left_open')).toBeUndefined()
    await h.step(5 * 60_000)
    expect(h.alerting.lifecycle.current('C-001', 'door_left_open')).toMatchObject({ team: 'maintenance' })
  })

  it('holds a rule’s `for_ms` duration before firing, across a restart', async () => {
    h = await alertingHarness({ rules: { temperature: { for_ms: 300_000 } } })
    h.feed(hbReading('C-001', h.clock.now, { temp_c: 47 }))
    expect(h.alerting.lifecycle.current('C-001', 'temperature')).toBeUndefined()
    h = await h.restart()
    h.feed(hbReading('C-001', h.clock.advance(200_000), { temp_c: 47 }))
    expect(h.alerting.lifecycle.current('C-001', 'temperature')).toBeUndefined()
    h.feed(hbReading('C-001', h.clock.advance(120_000), { temp_c: 47 }))
    expect(h.alerting.lifecycle.current('C-001', 'temperature')).toMatchObject({ severity: 'warning' })
  })
})
