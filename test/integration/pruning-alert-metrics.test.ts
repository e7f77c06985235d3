import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqliteDeliveryStore } from '../../gateway/alerts/sqlite/delivery-store.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { stateDbFile } from '../../gateway/store/database.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually } from '../helpers/influx.ts'

const DAY = 86_400_000
const CAB = 'BKK-1001-0301'

/** One sample of the Prometheus text, by metric name and exact label set. */
function sample(text: string, name: string, labels: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null
}

describe('alert metrics and pruning by age', () => {
  let gw: TestGateway
  let base = Date.now()
  let t0 = Date.now()
  const clock = () => base + (Date.now() - t0)
  const jump = (ms: number) => {
    base = clock() + ms
    t0 = Date.now()
  }
  const metrics = async () => (await gw.api('GET', '/metrics')).json as string
  let alertId = ''

  beforeAll(async () => {
    gw = await startTestGateway(
      {
        alerts: { tick_ms: 50 },
        retention: {
          prune: {
            interval_ms: 3_600_000,
            resolved_alerts_days: 90,
            failed_deliveries_days: 30,
            quarantine_days: 30,
          },
        },
      },
      clock,
    )
    const secret = await gw.register(CAB)
    const c = await gw.connect(CAB, secret)
    await c.publishAsync(
      cabinetTopic(CAB, 'event'),
      JSON.stringify({ ts: new Date(clock()).toISOString(), seq: 1, type: 'tamper', detail: 'lock forced' }),
      { qos: 1 },
    )
    await c.publishAsync(cabinetTopic(CAB, 'heartbeat'), '{"not":"a heartbeat"}', { qos: 1 })
    alertId = await eventually(async () => {
      const r = await gw.api('GET', `/api/v1/alerts?state=open&type=tamper`)
      return r.json.items?.[0]?.id as string | undefined
    })
  })
  afterAll(async () => {
    await gw.stop()
  })

  it('counts open alerts by type and severity', async () => {
    expect(sample(await metrics(), 'aedgw_alerts_open', 'type="tamper",severity="major"')).toBe(1)
  })

  it('observes the time to acknowledge, and an alert resolved is no longer counted open', async () => {
    jump(20 * 60_000)
    expect((await gw.api('POST', `/api/v1/alerts/${alertId}/ack`, { by: 'somchai' })).status).toBe(200)
    const text = await metrics()
    expect(sample(text, 'aedgw_alert_time_to_acknowledge_seconds_count', 'type="tamper"')).toBe(1)
    // acknowledged 20 minutes on: in the 30-minute bucket, not in the 15-minute one
    expect(sample(text, 'aedgw_alert_time_to_acknowledge_seconds_bucket', 'le="900",type="tamper"')).toBe(0)
    expect(sample(text, 'aedgw_alert_time_to_acknowledge_seconds_bucket', 'le="1800",type="tamper"')).toBe(1)
    expect((await gw.api('POST', `/api/v1/alerts/${alertId}/resolve`, { by: 'somchai' })).status).toBe(200)
    expect(sample(await metrics(), 'aedgw_alerts_open', 'type="tamper",severity="major"')).toBeNull()
  })

  it('prunes resolved alerts, given-up notifications and quarantine entries past their age, and counts them', async () => {
    // a notification given up on, as the delivery stage leaves it (a second connection to state.db)
    const db = new Database(stateDbFile(gw.dataDir))
    const deliveries = new SqliteDeliveryStore(db)
    const queued = clock()
    deliveries.enqueue([
      {
        id: 'n_old/ops/webhook',
        notifier: 'webhook',
        payload: '{}',
        created_ms: queued,
        attempts: 0,
        next_ms: queued,
      },
    ])
    deliveries.failed('n_old/ops/webhook', 'HTTP 410', 5)
    db.close()
    expect((await gw.api('GET', '/api/v1/quarantine')).json.items).toHaveLength(1)

    // 40 days on: notifications and quarantine (30 days) go, the resolved alert (90 days) stays
    jump(40 * DAY)
    await gw.gateway.pruner.tick()
    expect((await gw.api('GET', '/api/v1/quarantine')).json.items).toEqual([])
    expect((await gw.api('GET', `/api/v1/alerts/${alertId}`)).status).toBe(200)
    let text = await metrics()
    expect(sample(text, 'aedgw_pruned_total', 'kind="quarantine"')).toBe(1)
    expect(sample(text, 'aedgw_pruned_total', 'kind="failed_deliveries"')).toBe(1)
    expect(sample(text, 'aedgw_pruned_total', 'kind="resolved_alerts"')).toBeNull()

    jump(60 * DAY)
    await gw.gateway.pruner.tick()
    // gone from the store at once; from the lifecycle's memory at its next sweep
    await eventually(async () =>
      (await gw.api('GET', `/api/v1/alerts/${alertId}`)).status === 404 ? true : undefined,
    )
    text = await metrics()
    expect(sample(text, 'aedgw_pruned_total', 'kind="resolved_alerts"')).toBe(1)
  })
})
