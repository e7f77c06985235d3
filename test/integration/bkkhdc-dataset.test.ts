import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../gateway/config/load.ts'
import type { Row } from '../../gateway/feeds/bkkhdc/aggregate.ts'
import { buildMonth } from '../../gateway/feeds/bkkhdc/builder.ts'
import { type Dataset, sha256, writeDataset } from '../../gateway/feeds/bkkhdc/dataset.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { Registry } from '../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../gateway/registry/sqlite/registry-store.ts'
import { STATE_DB_MIGRATIONS } from '../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../gateway/store/database.ts'
import { InfluxApi } from '../../gateway/store/influx.ts'
import { influxUrl } from '../helpers/influx.ts'

// January 2026 in Bangkok time (UTC+7): bkk(day, hour, minute)
const bkk = (d: number, h = 0, m = 0) => Date.UTC(2026, 0, d, h - 7, m)
const S = 'suppressed'
const NA = ['A', 'B', 'C', 'D', 'E'].map((x) => `BKK-1047-000${x}`)
const [A, B, C, D, E] = NA as [string, string, string, string, string]
const F = 'BKK-1001-000F'
const G = 'BKK-1047-000G'

const readiness = (cab: string, state: string, codes: string, t: number, district = '1047') =>
  `readiness,cabinet=${cab},district=${district},readiness=${state} state="${state}",reasons="",reason_codes="${codes}",lat=13.67,lon=100.6 ${t}`
const beat = (cab: string, t: number, pad: string, battery = '2026-02-20') =>
  `heartbeat,cabinet=${cab},district=1047 seq=1i,battery_pct=90,pad_expiry="${pad}",battery_expiry="${battery}",door_open=false ${t}`
const event = (cab: string, type: string, t: number, district = '1047') =>
  `event,cabinet=${cab},district=${district},type=${type} seq=1i ${t}`
const coverage = (district: string, share: number, t: number) =>
  `coverage,district=${district} share=${share},covered=1i,points=4i,radius_m=300,usable=1i ${t}`
const alert = (cab: string, type: string, transition: string, t: number) =>
  `alert,cabinet=${cab},district=1047,severity=major,state=active,type=${type} id="x",kind="${transition}",started_ms=${t}i ${t}`

const FIXTURE = [
  // coverage: Bang Na fully covered from December, half 06:00-18:00 on 4 Jan; Phra Nakhon
  // unknown until 10 Jan 12:00, then a quarter
  coverage('1047', 1, Date.UTC(2025, 11, 20)),
  coverage('1047', 0.5, bkk(4, 6)),
  coverage('1047', 1, bkk(4, 18)),
  coverage('1001', 0.25, bkk(10, 12)),
  // before the month: everyone in Bang Na ready; F (1001) and G never reported readiness
  ...NA.map((c) => readiness(c, 'ready', '', Date.UTC(2025, 11, 20))),
  // 2 Jan: A battery low 10:00-16:00; B AED in use 10:00, then missing, back 12:30
  readiness(A, 'not_ready', 'battery_low', bkk(2, 10)),
  readiness(A, 'ready', '', bkk(2, 16)),
  readiness(B, 'in_use', 'aed_in_use', bkk(2, 10)),
  readiness(B, 'not_ready', 'aed_in_use,aed_missing', bkk(2, 11)),
  readiness(B, 'ready', '', bkk(2, 12, 30)),
  // 3 Jan: the whole district offline 00:00-02:00
  ...NA.map((c) => readiness(c, 'offline', 'offline', bkk(3, 0))),
  ...NA.map((c) => readiness(c, 'ready', '', bkk(3, 2))),
  // heartbeats: 5 Jan all five (C at 06:30 Bangkok, still 4 Jan in UTC); 6 Jan only A and B
  beat(A, bkk(5, 9), '2026-01-20'),
  beat(B, bkk(5, 9), '2026-03-02'),
  beat(C, bkk(5, 6, 30), '2026-03-03'),
  beat(D, bkk(5, 9), '2025-12-01'),
  beat(E, bkk(5, 9), '2026-02-01'),
  beat(A, bkk(6, 9), '2028-01-01'),
  beat(B, bkk(6, 23, 30), '2026-03-02'),
  // AED uses: six in Bang Na, one in Phra Nakhon, one just after the month
  event(B, 'aed_removed', bkk(2, 10)),
  ...[7, 8, 9, 10, 11].map((d) => event(C, 'aed_removed', bkk(d, 15))),
  event(F, 'aed_removed', bkk(12, 15), '1001'),
  event(C, 'aed_removed', bkk(32, 0, 30)),
  event(C, 'door_open', bkk(7, 15)),
  // alerts raised: offline x5 (and resolved), aed_in_use x1, battery_low open + reopen
  ...NA.map((c) => alert(c, 'offline', 'open', bkk(3, 0, 5))),
  ...NA.map((c) => alert(c, 'offline', 'resolve', bkk(3, 2, 5))),
  alert(B, 'aed_in_use', 'open', bkk(2, 10)),
  alert(A, 'battery_low', 'open', bkk(2, 10)),
  alert(A, 'battery_low', 'reopen', bkk(2, 15)),
]

const ZERO_HOURS = {
  hours_not_monitored: 0,
  hours_not_ready_missing: 0,
  hours_not_ready_battery: 0,
  hours_not_ready_pads: 0,
  hours_not_ready_self_test: 0,
  hours_not_ready_other: 0,
}
const SMALL = {
  district_code: 'small',
  district_name_en: 'Districts with fewer than 5 cabinets',
  district_name_th: 'เขตที่มีตู้น้อยกว่า 5 ตู้',
}

function expectedDaily(): Row[] {
  const rows: Row[] = []
  for (let d = 1; d <= 31; d++) {
    const date = `2026-01-${String(d).padStart(2, '0')}`
    const row: Row = {
      district_code: '1047',
      district_name_en: 'Bang Na',
      district_name_th: 'บางนา',
      date,
      cabinets_registered: 5,
      cabinets_reporting: 0,
      availability: '1.00-1.00',
      ...ZERO_HOURS,
      coverage_share: d === 4 ? 0.75 : 1, // 4 Jan: (6 h × 1 + 12 h × 0.5 + 6 h × 1) / 24 h
    }
    // 8.5 h not ready of 120 monitored (0.9292); its band is as wide as the battery [6, 7] and
    // missing [2, 3] bands allow: 1 - 10/120 to 1 - 8/120
    if (d === 2)
      Object.assign(row, {
        availability: '0.91-0.94',
        hours_not_ready_battery: S,
        hours_not_ready_missing: S,
      })
    // offline is "not monitored", not "not ready": every monitored hour was ready
    if (d === 3) Object.assign(row, { hours_not_monitored: '10-11' })
    if (d === 5) row.cabinets_reporting = 5
    if (d === 6) row.cabinets_reporting = S
    // G joins at 12:00 and has reported nothing: not monitored for its 12 h
    if (d === 31) Object.assign(row, { cabinets_registered: 6, hours_not_monitored: S })
    rows.push(row)
  }
  // Phra Nakhon has one cabinet: it is reported in the group of small districts, and since the
  // group has fewer than 5 cabinets too, every measure of it is suppressed, zeros included
  for (let d = 1; d <= 31; d++) {
    const date = `2026-01-${String(d).padStart(2, '0')}`
    rows.push({
      ...SMALL,
      date,
      cabinets_registered: S,
      cabinets_reporting: 0,
      availability: S,
      ...Object.fromEntries(Object.keys(ZERO_HOURS).map((k) => [k, S])),
      // a share of public places, never suppressed (docs/coverage.md): Phra Nakhon's, known from
      // noon on 10 Jan (only the known half of that day counts)
      coverage_share: d < 10 ? null : 0.25,
    })
  }
  return rows
}

describe('BKKHDC dataset from InfluxDB history', () => {
  let dir: string
  let db: Database.Database
  let ds: Dataset
  let now = Date.UTC(2025, 10, 1)

  beforeAll(async () => {
    const config = loadConfig({}, { influx: { url: influxUrl(), db: `t_${randomBytes(6).toString('hex')}` } })
    const influx = new InfluxApi(config.influx)
    await influx.ensureDatabase()
    await influx.write(FIXTURE)
    dir = mkdtempSync(join(tmpdir(), 'aedgw-bkkhdc-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
    const registry = new Registry({
      store: new SqliteRegistryStore(db),
      hasher: new SecretHasher(Buffer.alloc(32, 7)),
      log: pino({ level: 'silent' }),
      clock: () => now,
    })
    for (const id of [...NA, F]) {
      const district = id.slice(4, 8)
      registry.register({ id, name: `Cabinet ${id}`, lat: 13.67, lon: 100.6, district_code: district })
    }
    now = bkk(31, 12)
    registry.register({ id: G, name: 'New cabinet', lat: 13.67, lon: 100.6, district_code: '1047' })
    now = bkk(40, 2)
    ds = await buildMonth({ influx, registry, clock: () => now }, '2026-01', 'bkkhdc-aed-2026-01')
  })
  afterAll(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const parse = (name: string): Row[] => {
    const [head, ...lines] = (ds.files[name] as string).trim().split('\r\n')
    const cols = (head as string).split(',')
    return lines.map((l) =>
      Object.fromEntries(
        l.split(',').map((v, i) => {
          const col = cols[i] as string
          const num = col !== 'district_code' && /^-?\d+(\.\d+)?$/.test(v)
          return [col, v === '' ? null : num ? Number(v) : v]
        }),
      ),
    )
  }

  it('gives exactly the hand-computed daily rows, with Bangkok calendar days', () => {
    expect(parse('daily.csv')).toEqual(expectedDaily())
  })

  it('gives exactly the hand-computed monthly rows', () => {
    expect(parse('monthly.csv')).toEqual([
      {
        district_code: '1047',
        district_name_en: 'Bang Na',
        district_name_th: 'บางนา',
        month: '2026-01',
        aed_uses: 6,
        aeds_missing: S, // one (B)
        median_minutes_to_restore: S, // 7 spells [120 x5, 150, 360]: fewer than 10
        pads_due_30d: S, // B (on the 30th day), D (expired), E
        batteries_due_30d: 5,
      },
      {
        ...SMALL,
        month: '2026-01',
        aed_uses: S,
        aeds_missing: S,
        median_minutes_to_restore: S,
        pads_due_30d: S,
        batteries_due_30d: S,
      },
    ])
  })

  it('counts alerts raised (open, reopen) by type, suppressing 1 to 4', () => {
    const rows = parse('alerts.csv').filter((r) => r.district_code === '1047')
    const by = Object.fromEntries(rows.map((r) => [r.alert_type, r.alerts_raised]))
    expect(by).toMatchObject({ offline: 5, aed_in_use: S, battery_low: S, pad_expiry: 0, district_outage: 0 })
    expect(new Set(Object.values(by))).toEqual(new Set([0, 5, S]))
  })

  it('writes no count from 1 to 4 anywhere', () => {
    for (const name of ['daily.csv', 'monthly.csv', 'alerts.csv'])
      for (const row of parse(name))
        for (const [k, v] of Object.entries(row))
          if (!/availability|hours|minutes|share/.test(k) && typeof v === 'number')
            expect(v === 0 || v >= 5).toBe(true)
  })

  it('holds no cabinet id, coordinates, secret or exact timestamp in any file', () => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-bkkhdc-out-'))
    const files = writeDataset(dir, ds)
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      for (const id of [...NA, F, G, 'BKK-']) expect(text).not.toContain(id)
      expect(text).not.toMatch(/13\.67|100\.6\b/)
      expect(text).not.toMatch(/secret|serial/i)
      // the only full timestamp is the manifest's generated_at
      const stamps = text.match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g) ?? []
      expect(stamps.length).toBe(f.endsWith('manifest.json') ? 1 : 0)
    }
  })

  it('describes each file in a manifest with its row count and SHA-256', () => {
    expect(ds.manifest).toMatchObject({
      dataset_id: 'bkkhdc-aed-2026-01',
      schema_version: '2.0',
      period: {
        month: '2026-01',
        first_day: '2026-01-01',
        last_day: '2026-01-31',
        time_zone: 'Asia/Bangkok',
      },
    })
    const rows = Object.fromEntries(ds.manifest.files.map((f) => [f.name, f.rows]))
    expect(rows).toEqual({ 'daily.csv': 62, 'monthly.csv': 2, 'alerts.csv': 30 })
    for (const f of ds.manifest.files) expect(f.sha256).toBe(sha256(ds.files[f.name] as string))
  })
})
