import { afterEach, describe, expect, it } from 'vitest'
import { evReading, hbReading, statusReading } from '../../helpers/readings.ts'
import { alertingHarness, type Harness } from './harness.ts'

const types = (h: Harness, receiver = 'default') =>
  h.receivers[receiver]!.received.map((n) =>
    n.alerts.map((a) => `${a.cabinet_id}:${a.type}:${a.status}`).join(' '),
  )

describe('notification pipeline', () => {
  let h: Harness
  afterEach(async () => {
    await h.close()
  })

  it('sends "AED in use" at once, with no group wait and no tick', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now))
    h.feed(evReading('C-001', h.clock.now, 'door_open'))
    h.feed(evReading('C-001', h.clock.now, 'aed_removed'))
    await h.alerting.delivery.idle()
    expect(types(h)).toEqual(['C-001:door_open:firing', 'C-001:aed_in_use:firing'])
    const n = h.receivers.default!.received[1]!
    expect(n.alerts[0]!.message.th.title).toContain('AED')
    expect(n.alerts[0]!.cabinet.map_url).toBe('https://www.google.com/maps/search/?api=1&query=13.75,100.5')
  })

  it('groups alerts of a district for group_wait, then sends them once (dedup) until the repeat interval', async () => {
    h = await alertingHarness({}, [{ id: 'C-001' }, { id: 'C-002' }, { id: 'C-003', district: '1002' }])
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    await h.step(10_000)
    h.feed(hbReading('C-002', h.clock.now, { battery_pct: 12 }))
    h.feed(hbReading('C-003', h.clock.now, { battery_pct: 12 }))
    await h.step(10_000)
    expect(types(h)).toEqual([])
    await h.step(11_000)
    expect(types(h)).toEqual(['C-001:battery_low:firing C-002:battery_low:firing'])
    await h.step(10_000)
    expect(types(h)).toEqual([
      'C-001:battery_low:firing C-002:battery_low:firing',
      'C-003:battery_low:firing',
    ])
    for (let i = 0; i < 10; i++) await h.step(60_000)
    expect(h.receivers.default!.received).toHaveLength(2)
    await h.step(4 * 3_600_000)
    expect(h.receivers.default!.received).toHaveLength(4)
  })

  it('stops reminding once acknowledged, and sends the resolution', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    await h.step(31_000)
    expect(types(h)).toEqual(['C-001:battery_low:firing'])
    h.alerting.lifecycle.acknowledge(
      h.alerting.lifecycle.current('C-001', 'battery_low')!.id,
      'somchai',
      null,
    )
    await h.step(5 * 3_600_000)
    expect(types(h)).toHaveLength(1)
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 95 }))
    await h.step(300_000)
    expect(types(h)).toEqual(['C-001:battery_low:firing', 'C-001:battery_low:resolved'])
  })

  it('routes on labels to the receiver of the matching route', async () => {
    h = await alertingHarness({
      receivers: [{ name: 'city_ops', log: true }],
      route: { routes: [{ matchers: ['team=city_ops'], receiver: 'city_ops', group_wait_ms: 0 }] },
    })
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    h.feed(evReading('C-001', h.clock.now, 'door_open'))
    await h.step(31_000)
    expect(types(h, 'city_ops')).toEqual(['C-001:door_open:firing'])
    expect(types(h, 'default')).toEqual(['C-001:battery_low:firing'])
  })

  it('mutes silenced alerts until the silence ends', async () => {
    h = await alertingHarness()
    h.alerting.silences.create({
      matchers: [{ name: 'cabinet', value: 'C-001', is_regex: false, is_equal: true }],
      starts_ms: h.clock.now,
      ends_ms: h.clock.now + 3_600_000,
      created_by: 'somchai',
      comment: 'battery swap today',
    })
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    await h.step(31_000)
    await h.step(30 * 60_000)
    expect(types(h)).toEqual([])
    await h.step(31 * 60_000)
    await h.step(5 * 60_000)
    expect(types(h)).toEqual(['C-001:battery_low:firing'])
  })

  it('mutes alerts during a recurring maintenance window (Bangkok time)', async () => {
    // the fake clock starts on Thursday 2026-11-26, 11:00 in Bangkok
    h = await alertingHarness({
      maintenance_windows: [
        {
          name: 'thursday service',
          matchers: ['type=battery_low'],
          days: ['thu'],
          start: '10:00',
          end: '12:00',
        },
      ],
    })
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15 }))
    await h.step(31_000)
    expect(types(h)).toEqual([])
    await h.step(3_600_000)
    await h.step(5 * 60_000)
    expect(types(h)).toEqual(['C-001:battery_low:firing'])
  })

  it('lets an offline cabinet mute its own battery and temperature alerts', async () => {
    h = await alertingHarness()
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 15, temp_c: 47 }))
    h.feed(statusReading('C-001', h.clock.now, 'offline'))
    await h.step(130_000)
    expect(h.alerting.lifecycle.current('C-001', 'offline')).toBeDefined()
    await h.step(300_000)
    expect(types(h).join(' ')).toBe('C-001:offline:firing')
  })

  it('lets a district-wide outage mute the single-cabinet offline alerts under it', async () => {
    const cabinets = ['C-001', 'C-002', 'C-003', 'C-004'].map((id) => ({ id }))
    h = await alertingHarness({ district_outage: { min_cabinets: 3, offline_fraction: 0.5 } }, cabinets)
    for (const { id } of cabinets) h.feed(hbReading(id, h.clock.now))
    for (const { id } of cabinets.slice(0, 3)) h.feed(statusReading(id, h.clock.now, 'offline'))
    await h.step(125_000)
    await h.step(5_000)
    expect(h.alerting.lifecycle.current('district-1001', 'district_outage')).toBeDefined()
    await h.step(60_000)
    await h.step(300_000)
    expect(types(h)).toEqual(['district-1001:district_outage:firing'])
  })

  it('escalates an alert nobody acknowledged to the next receiver, once per step', async () => {
    h = await alertingHarness({
      receivers: [{ name: 'supervisor', log: true }],
      route: { escalations: [{ after_ms: 15 * 60_000, receiver: 'supervisor' }] },
    })
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 5 }))
    h.feed(hbReading('C-002', h.clock.now, { battery_pct: 5 }))
    await h.step(14 * 60_000)
    expect(types(h, 'supervisor')).toEqual([])
    await h.step(2 * 60_000)
    await h.step(60_000)
    expect(types(h, 'supervisor')).toEqual(['C-001:battery_low:firing'])
    expect(h.alerting.lifecycle.current('C-001', 'battery_low')?.escalation_level).toBe(1)
  })

  it('does not escalate an acknowledged alert', async () => {
    h = await alertingHarness({
      receivers: [{ name: 'supervisor', log: true }],
      route: { escalations: [{ after_ms: 15 * 60_000, receiver: 'supervisor' }] },
    })
    h.feed(hbReading('C-001', h.clock.now, { battery_pct: 5 }))
    h.alerting.lifecycle.acknowledge(
      h.alerting.lifecycle.current('C-001', 'battery_low')!.id,
      'somchai',
      null,
    )
    await h.step(20 * 60_000)
    expect(types(h, 'supervisor')).toEqual([])
  })

  it('retries a delivery that failed, after a restart', async () => {
    h = await alertingHarness()
    h.receivers.default!.answer = { ok: false, retryable: true, error: 'HTTP 503' }
    h.feed(evReading('C-001', h.clock.now, 'door_open'))
    await h.alerting.delivery.idle()
    expect(h.alerting.delivery.pending()).toBe(1)
    h = await h.restart()
    expect(types(h)).toEqual([])
    await h.step(5_000)
    expect(types(h)).toEqual(['C-001:door_open:firing'])
    expect(h.alerting.delivery.pending()).toBe(0)
  })

  it('gives up at once on a failure that is not worth retrying', async () => {
    h = await alertingHarness()
    h.receivers.default!.answer = { ok: false, retryable: false, error: 'HTTP 400' }
    h.feed(evReading('C-001', h.clock.now, 'door_open'))
    await h.alerting.delivery.idle()
    expect(h.alerting.delivery.pending()).toBe(0)
    h.receivers.default!.answer = { ok: true }
    await h.step(60_000)
    expect(types(h)).toEqual([])
  })
})
