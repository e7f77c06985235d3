import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Notification } from '../../gateway/alerts/notifiers/notifier.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually } from '../helpers/influx.ts'
import { HttpReceiver } from '../helpers/receivers.ts'

const INSPECTED = 'BKK-1047-0011'
const OTHER = 'BKK-1047-0012'

describe('recurring silences: a weekly inspection slot through the API', () => {
  let gw: TestGateway
  const webhook = new HttpReceiver()
  // Tuesday 24 November 2026, 10:00 Bangkok time, running on in real time between jumps
  let base = Date.parse('2026-11-24T10:00:00+07:00')
  let t0 = Date.now()
  const clock = () => base + (Date.now() - t0)
  const jumpTo = (ms: number) => {
    base = ms
    t0 = Date.now()
  }
  const publishers = new Map<string, (leaf: 'heartbeat' | 'event', body: object) => Promise<void>>()
  let seq = 0
  const event = (id: string, type: string) =>
    publishers.get(id)!('event', { ts: new Date(clock()).toISOString(), seq: ++seq, type })
  const cabinetsNotified = (n: Notification[]) =>
    n.flatMap((x) => x.alerts.map((a) => `${a.cabinet_id}:${a.type}`))

  beforeAll(async () => {
    const url = await webhook.start()
    gw = await startTestGateway(
      { alerts: { webhook: { url, secret: 'recurring-test-webhook-secret' } } },
      clock,
    )
    for (const id of [INSPECTED, OTHER]) {
      const c = await gw.connect(id, await gw.register(id, { district_code: '1047' }))
      publishers.set(id, async (leaf, body) => {
        await c.publishAsync(cabinetTopic(id, leaf), JSON.stringify(body), { qos: 1 })
      })
    }
  })
  afterAll(async () => {
    await gw.stop()
    await webhook.stop()
  })

  it('refuses a silence with neither an end nor a recurrence, and a bad recurrence', async () => {
    const base = { matchers: [`cabinet=${INSPECTED}`], created_by: 'somchai', comment: 'inspection' }
    const noEnd = await gw.api('POST', '/api/v1/silences', base)
    expect(noEnd.status).toBe(400)
    expect(noEnd.json.message).toMatch(/ends_at/)
    const badDay = await gw.api('POST', '/api/v1/silences', {
      ...base,
      recurrence: { weekdays: ['tuesday'], start: '09:00', duration_minutes: 180 },
    })
    expect(badDay.status).toBe(400)
  })

  it('mutes the inspected cabinet during its Tuesday slot only, and says when the next slot starts', async () => {
    const made = await gw.api('POST', '/api/v1/silences', {
      matchers: [`cabinet=${INSPECTED}`],
      recurrence: { weekdays: ['tue'], start: '09:00', duration_minutes: 180, tz: 'Asia/Bangkok' },
      created_by: 'somchai',
      comment: 'weekly inspection round',
    })
    expect(made.status).toBe(201)
    expect(made.json).toMatchObject({
      status: 'active',
      ends_at: null,
      recurrence: { weekdays: ['tue'], start: '09:00', duration_minutes: 180, tz: 'Asia/Bangkok' },
      next_start: '2026-12-01T02:00:00.000Z',
    })

    // within the slot: the inspected cabinet's door opening is not sent, the other's is
    await event(INSPECTED, 'door_open')
    await event(OTHER, 'door_open')
    const first = await webhook.received(1)
    expect(cabinetsNotified(first.map((r) => JSON.parse(r.body) as Notification))).toEqual([
      `${OTHER}:door_open`,
    ])

    // Wednesday: between two slots, the silence waits and the cabinet is heard again
    jumpTo(Date.parse('2026-11-25T10:00:00+07:00'))
    const listed = await gw.api('GET', '/api/v1/silences')
    expect(listed.json.items[0]).toMatchObject({ id: made.json.id, status: 'scheduled' })
    // a new condition of the inspected cabinet is sent
    await event(INSPECTED, 'aed_removed')
    await eventually(() => {
      const all = cabinetsNotified(webhook.requests.map((r) => JSON.parse(r.body) as Notification))
      return all.includes(`${INSPECTED}:aed_in_use`) ? all : undefined
    })
  })
})
