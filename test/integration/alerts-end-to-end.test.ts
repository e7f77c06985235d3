import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Notification } from '../../gateway/alerts/notifiers/notifier.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { HttpReceiver, signatureValid } from '../helpers/receivers.ts'

const SECRET = 'e2e-webhook-secret'
const ID = 'BKK-1047-0007'

describe('alerts end to end', () => {
  let gw: TestGateway
  const webhook = new HttpReceiver()
  let viewer: string
  let maintainer: string

  beforeAll(async () => {
    const url = await webhook.start()
    gw = await startTestGateway({ alerts: { webhook: { url, secret: SECRET } } })
    viewer = (await gw.api('POST', '/api/v1/tokens', { name: 'noi', role: 'viewer' })).json.token
    maintainer = (await gw.api('POST', '/api/v1/tokens', { name: 'team-north', role: 'maintainer' })).json
      .token
  })
  afterAll(async () => {
    await gw.stop()
    await webhook.stop()
  })

  it('a cabinet publishes a door-open over MQTT and the webhook receives it, signed', async () => {
    const secret = await gw.register(ID, { district_code: '1047', name_th: 'สำนักงานเขตบางนา' })
    const client = await gw.connect(ID, secret)
    const ts = new Date().toISOString()
    await client.publishAsync(cabinetTopic(ID, 'event'), JSON.stringify({ ts, seq: 1, type: 'door_open' }), {
      qos: 1,
    })
    const [r] = await webhook.received(1)
    expect(signatureValid(SECRET, r!)).toBe(true)
    const n = JSON.parse(r!.body) as Notification
    expect(n.alerts[0]).toMatchObject({
      cabinet_id: ID,
      type: 'door_open',
      status: 'firing',
      labels: { district: '1047' },
    })
    expect(n.alerts[0]!.cabinet.district_name_th).toBe('บางนา')

    await client.publishAsync(
      cabinetTopic(ID, 'event'),
      JSON.stringify({ ts, seq: 2, type: 'aed_removed' }),
      {
        qos: 1,
      },
    )
    const all = await webhook.received(2)
    expect((JSON.parse(all[1]!.body) as Notification).alerts[0]).toMatchObject({
      type: 'aed_in_use',
      severity: 'critical',
    })
  })

  it('lists alerts to viewers and shows readiness on the cabinet', async () => {
    const list = await gw.api('GET', '/api/v1/alerts?state=active', undefined, viewer)
    expect(list.status).toBe(200)
    expect(list.json.items.map((a: { type: string }) => a.type).sort()).toEqual(['aed_in_use', 'door_open'])
    const cab = await gw.api('GET', `/api/v1/cabinets/${ID}`, undefined, viewer)
    expect(cab.json.live.readiness).toBe('in_use')
    expect(cab.json.live.reasons.map((r: { code: string }) => r.code)).toContain('aed_in_use')
  })

  it('lets a maintainer, not a viewer, acknowledge and resolve, recording who', async () => {
    const list = await gw.api('GET', '/api/v1/alerts?state=open&type=door_open', undefined, viewer)
    const id = list.json.items[0].id as string
    expect((await gw.api('POST', `/api/v1/alerts/${id}/ack`, {}, viewer)).status).toBe(403)
    expect((await gw.api('POST', `/api/v1/alerts/${id}/ack`, {}, null)).status).toBe(401)
    const ack = await gw.api(
      'POST',
      `/api/v1/alerts/${id}/ack`,
      { comment: 'team on the way', by: 'somchai' },
      maintainer,
    )
    expect(ack.json).toMatchObject({
      state: 'acknowledged',
      acknowledged_by: 'somchai via team-north (maintainer)',
    })
    const res = await gw.api('POST', `/api/v1/alerts/${id}/resolve`, { comment: 'false alarm' }, maintainer)
    expect(res.json).toMatchObject({ state: 'resolved', resolved_by: 'team-north (maintainer)' })
    const again = await gw.api('POST', `/api/v1/alerts/${id}/resolve`, {}, maintainer)
    expect(again.status).toBe(409)
    const one = await gw.api('GET', `/api/v1/alerts/${id}`, undefined, viewer)
    expect(one.json.transitions.map((t: { kind: string }) => t.kind)).toEqual([
      'open',
      'acknowledge',
      'resolve',
    ])
    expect(one.json.transitions[1].comment).toBe('team on the way')
  })

  it("keeps a technician's note on the alert's history, even resolved, and notifies nobody", async () => {
    const list = await gw.api('GET', '/api/v1/alerts?type=door_open', undefined, viewer)
    const { id, state } = list.json.items[0] as { id: string; state: string }
    const note = { comment: 'door hinge oiled, seal replaced' }
    expect((await gw.api('POST', `/api/v1/alerts/${id}/comment`, note, viewer)).status).toBe(403)
    expect((await gw.api('POST', `/api/v1/alerts/${id}/comment`, {}, maintainer)).status).toBe(400)
    expect((await gw.api('POST', '/api/v1/alerts/al_nosuchalert/comment', note, maintainer)).status).toBe(404)
    const done = await gw.api('POST', `/api/v1/alerts/${id}/comment`, note, maintainer)
    expect(done.status).toBe(200)
    expect(done.json.state).toBe(state)
    const one = await gw.api('GET', `/api/v1/alerts/${id}`, undefined, viewer)
    expect(one.json.transitions.at(-1)).toMatchObject({
      kind: 'comment',
      comment: 'door hinge oiled, seal replaced',
      by: 'team-north (maintainer)',
    })
  })

  it('writes alert transitions to InfluxDB', async () => {
    const rows = await eventually(async () => {
      const r = await influxRows(gw.db, `SELECT * FROM alert WHERE cabinet = '${ID}'`)
      return r.length >= 4 ? r : undefined
    })
    expect(rows.map((r) => `${r.type}:${r.state}`)).toEqual(
      expect.arrayContaining([
        'door_open:active',
        'aed_in_use:active',
        'door_open:acknowledged',
        'door_open:resolved',
      ]),
    )
  })

  it('creates, lists and expires silences, refusing bad matchers', async () => {
    const bad = await gw.api(
      'POST',
      '/api/v1/silences',
      { matchers: ['cabinet'], ends_at: '2030-01-01T00:00:00Z', created_by: 'x', comment: 'y' },
      maintainer,
    )
    expect(bad.status).toBe(400)
    const body = {
      matchers: [`cabinet=${ID}`],
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      created_by: 'somchai',
      comment: 'pads replaced today',
    }
    expect((await gw.api('POST', '/api/v1/silences', body, viewer)).status).toBe(403)
    const made = await gw.api('POST', '/api/v1/silences', body, maintainer)
    expect(made.status).toBe(201)
    expect(made.json).toMatchObject({
      status: 'active',
      matchers: [{ name: 'cabinet', value: ID, is_regex: false, is_equal: true }],
    })
    const gone = await gw.api('DELETE', `/api/v1/silences/${made.json.id}`, undefined, maintainer)
    expect(gone.json.status).toBe('expired')
  })

  it('serves the maintenance work list as JSON and CSV', async () => {
    const secret = await gw.register('BKK-1001-0042', { district_code: '1001' })
    const client = await gw.connect('BKK-1001-0042', secret)
    const hb = {
      ts: new Date().toISOString(),
      seq: 1,
      battery_pct: 80,
      pad_expiry: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10),
      door: 'closed',
    }
    await client.publishAsync(cabinetTopic('BKK-1001-0042', 'heartbeat'), JSON.stringify(hb), { qos: 1 })
    const list = await gw.api('GET', '/api/v1/maintenance?within_days=30', undefined, viewer)
    const d = list.json.districts.find((x: { district_code: string }) => x.district_code === '1001')
    expect(d.items).toMatchObject([{ cabinet_id: 'BKK-1001-0042', task: 'replace_pads' }])
    const csv = await gw.api('GET', '/api/v1/maintenance?within_days=30&format=csv', undefined, viewer)
    expect(csv.json).toMatch(
      /^district_code,district_name,due_date,days_left,cabinet_id,cabinet_name,task,detail,coverage_impact_m\r\n/,
    )
    expect(csv.json).toContain('BKK-1001-0042')
  })
})
