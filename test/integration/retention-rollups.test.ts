import { randomBytes } from 'node:crypto'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../gateway/config/load.ts'
import { InfluxApi } from '../../gateway/store/influx.ts'
import { backfillRollups, setupRetention } from '../../gateway/store/retention.ts'
import { ROLLUPS } from '../../gateway/store/schema/index.ts'
import { influxRows, influxUrl } from '../helpers/influx.ts'

const log = pino({ level: 'silent' })
const HOUR = 3_600_000

/** SHOW CONTINUOUS QUERIES lists every database, those without any as a series without values. */
async function continuousQueriesOf(db: string): Promise<Array<{ name: string; query: string }>> {
  const [series = []] = await apiFor(db).query('SHOW CONTINUOUS QUERIES')
  const mine = series.find((s) => s.name === db)
  return (mine?.values ?? []).map((v) => ({ name: String(v[0]), query: String(v[1]) }))
}

function apiFor(db: string): InfluxApi {
  const config = loadConfig({}, { influx: { url: influxUrl(), db } })
  return new InfluxApi(config.influx)
}

describe('retention on InfluxDB 1.x', () => {
  const db = `t_ret_${randomBytes(5).toString('hex')}`
  let influx: InfluxApi
  const retention = { manage: true, raw_days: 400, rollup_days: 3650, rollup_lookback_hours: 6 }

  beforeAll(async () => {
    influx = apiFor(db)
    await influx.ensureDatabase()
    await setupRetention({ influx, db, version: 1, config: retention, log })
  })
  afterAll(async () => {
    await influx.query(`DROP DATABASE "${db}"`, { method: 'POST', db: '' })
  })

  it('makes "raw" the default policy for raw_days and keeps rollups for rollup_days', async () => {
    const rps = await influxRows(db, `SHOW RETENTION POLICIES ON "${db}"`)
    const raw = rps.find((r) => r.name === 'raw')
    const rollup = rps.find((r) => r.name === 'rollup')
    expect(raw).toMatchObject({ duration: '9600h0m0s', default: true })
    expect(rollup).toMatchObject({ duration: '87600h0m0s', default: false })
  })

  it('creates one continuous query per rollup, resampling the lookback window every hour', async () => {
    const mine = await continuousQueriesOf(db)
    expect(mine.map((r) => r.name).sort()).toEqual(ROLLUPS.map((r) => r.name).sort())
    for (const r of mine) expect(r.query).toContain('RESAMPLE EVERY 1h FOR 6h')
  })

  it('is idempotent and applies a changed duration and lookback on the next start', async () => {
    const changed = { ...retention, raw_days: 30, rollup_days: 0, rollup_lookback_hours: 12 }
    await setupRetention({ influx, db, version: 1, config: changed, log })
    await setupRetention({ influx, db, version: 1, config: changed, log })
    const rps = await influxRows(db, `SHOW RETENTION POLICIES ON "${db}"`)
    expect(rps.find((r) => r.name === 'raw')).toMatchObject({ duration: '720h0m0s', default: true })
    expect(rps.find((r) => r.name === 'rollup')).toMatchObject({ duration: '0s' })
    const cqs = await continuousQueriesOf(db)
    expect(cqs).toHaveLength(ROLLUPS.length)
    for (const r of cqs) expect(r.query).toContain('FOR 12h')
    await setupRetention({ influx, db, version: 1, config: retention, log })
  })

  it('backfills hourly rollups of past raw data with the continuous queries’ own SELECT', async () => {
    const start = Math.floor((Date.now() - 3 * 86_400_000) / HOUR) * HOUR
    const lines: string[] = []
    for (let m = 0; m < 120; m += 10) {
      const t = start + m * 60_000
      const pct = 90 - m / 10
      lines.push(
        `heartbeat,cabinet=BKK-1001-0001,district=1001 battery_pct=${pct},temp_c=${30 + m / 60},seq=${m}i,pad_days_left=100i ${t}`,
      )
    }
    lines.push(`event,cabinet=BKK-1001-0001,district=1001,type=door_open seq=1i ${start + 5 * 60_000}`)
    await influx.write(lines)
    const written = await backfillRollups(influx, db, start, start + 2 * HOUR)
    expect(written).toBe(3)
    const hb = await influxRows(db, 'SELECT * FROM "rollup"."heartbeat_1h" GROUP BY *')
    expect(hb).toHaveLength(2)
    expect(hb[0]).toMatchObject({
      time: start,
      cabinet: 'BKK-1001-0001',
      district: '1001',
      heartbeats: 6,
      battery_pct_min: 85,
      pad_days_left: 100,
    })
    expect(hb[0]?.battery_pct).toBeCloseTo(87.5, 6)
    const ev = await influxRows(db, 'SELECT * FROM "rollup"."event_1h" GROUP BY *')
    expect(ev).toEqual([
      expect.objectContaining({ time: start, type: 'door_open', cabinet: 'BKK-1001-0001', events: 1 }),
    ])
  })

  it('leaves the database alone when manage is false or the server is not 1.x', async () => {
    const other = `t_ret_${randomBytes(5).toString('hex')}`
    const api = apiFor(other)
    await api.ensureDatabase()
    await setupRetention({ influx: api, db: other, version: 1, config: { ...retention, manage: false }, log })
    await setupRetention({ influx: api, db: other, version: 2, config: retention, log })
    const rps = await influxRows(other, `SHOW RETENTION POLICIES ON "${other}"`)
    expect(rps.map((r) => r.name)).toEqual(['autogen'])
    await api.query(`DROP DATABASE "${other}"`, { method: 'POST', db: '' })
  })
})
