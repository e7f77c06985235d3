import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GrafanaContext, interpolate, type VariableValue } from '../../dashboards/src/grafana-macros.ts'
import { DASHBOARDS } from '../../dashboards/src/index.ts'
import type { Expect } from '../../dashboards/src/lib.ts'
import { loadConfig } from '../../gateway/config/load.ts'
import { InfluxApi, type InfluxSeries } from '../../gateway/store/influx.ts'
import { backfillRollups, setupRetention } from '../../gateway/store/retention.ts'
import { type Backfill, DISTRICT_CODES, dashboardBackfill } from '../helpers/dashboard-data.ts'
import { influxUrl } from '../helpers/influx.ts'

const DIR = fileURLToPath(new URL('../../dashboards/grafana/', import.meta.url))
const committed = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, json: JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) }))

/** What each committed query must return, from the generator (the unit test keeps both equal). */
const expectations = new Map<string, Expect>()
for (const d of Object.values(DASHBOARDS)) {
  d.panels.forEach((p, i) => {
    for (const t of p.targets) expectations.set(`${d.uid}/${i + 1}/${t.refId}`, t.expect)
  })
  for (const v of d.variables) expectations.set(`${d.uid}/var/${v.name}`, v.expect)
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Grafana's $__interval: range / max data points, not below the panel's min interval. */
function intervalFor(panelInterval: string | undefined, rangeMs: number): number {
  const nice = [10_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 86_400_000]
  const auto = nice.find((n) => n >= rangeMs / 1000) ?? 86_400_000
  const m = panelInterval ? /^(\d+)([smhd])$/.exec(panelInterval) : null
  const min = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : 0
  return Math.max(auto, min)
}

function rangeMs(from: string, to: string): number {
  const ms = (t: string) => {
    const m = /^now(?:([+-])(\d+)([smhd]))?$/.exec(t)
    if (!m) throw new Error(t)
    return m[1] ? (m[1] === '+' ? 1 : -1) * Number(m[2]) * (UNITS[m[3] as string] as number) : 0
  }
  return ms(to) - ms(from)
}

function check(series: InfluxSeries[], e: Expect, where: string): void {
  expect(series.length, `${where}: no series`).toBeGreaterThan(0)
  let values = 0
  for (const s of series) {
    expect(s.columns, where).toEqual(e.columns)
    expect(Object.keys(s.tags ?? {}).sort(), where).toEqual([...(e.tags ?? [])].sort())
    for (const row of s.values ?? []) values += row.slice(1).filter((v) => v !== null).length
  }
  expect(values, `${where}: only nulls`).toBeGreaterThan(0)
}

describe('every dashboard query, run as Grafana would against a filled InfluxDB 1.x', () => {
  const db = `t_dash_${randomBytes(5).toString('hex')}`
  let influx: InfluxApi
  let data: Backfill

  beforeAll(async () => {
    const config = loadConfig({}, { influx: { url: influxUrl(), db } })
    influx = new InfluxApi(config.influx)
    // the database as the gateway's writer prepares it: raw default policy, rollups
    await influx.ensureDatabase()
    await setupRetention({ influx, db, version: 1, config: config.retention, log: pino({ level: 'silent' }) })
    data = dashboardBackfill(Date.now())
    for (let i = 0; i < data.lines.length; i += 5000) await influx.write(data.lines.slice(i, i + 5000))
    await backfillRollups(influx, db, data.fromMs, data.nowMs + 3_600_000)
  })
  afterAll(async () => {
    await influx.query(`DROP DATABASE "${db}"`, { method: 'POST', db: '' })
  })

  const selections: Array<
    [
      string,
      (
        vars: Record<string, { multi: boolean; includeAll: boolean; allValue?: string }>,
      ) => Record<string, VariableValue>,
    ]
  > = [
    [
      'with All districts',
      (vars) =>
        Object.fromEntries(
          Object.entries(vars).map(([name, v]) => [
            name,
            { ...v, value: name === 'cabinet' ? 'BKK-1004-0001' : v.includeAll ? '$__all' : '1004' },
          ]),
        ),
    ],
    [
      'with several districts chosen',
      (vars) =>
        Object.fromEntries(
          Object.entries(vars).map(([name, v]) => {
            const value =
              name === 'district'
                ? v.multi
                  ? [...DISTRICT_CODES]
                  : '1007'
                : name === 'cabinet'
                  ? 'BKK-1007-0001'
                  : name === 'severity'
                    ? ['critical', 'major', 'warning', 'minor']
                    : ['gw-test']
            return [name, { ...v, value }]
          }),
        ),
    ],
  ]

  for (const { file, json } of committed) {
    for (const [label, choose] of selections) {
      it(`${file}: every panel returns the series and columns it displays, ${label}`, async () => {
        const vars = Object.fromEntries(
          json.templating.list.map(
            (v: { name: string; multi: boolean; includeAll: boolean; allValue?: string }) => [
              v.name,
              { multi: v.multi, includeAll: v.includeAll, ...(v.allValue ? { allValue: v.allValue } : {}) },
            ],
          ),
        )
        const variables = choose(vars)
        const base: GrafanaContext = {
          from: json.time.from,
          to: json.time.to,
          nowMs: Date.now(),
          intervalMs: 60_000,
          variables,
        }
        for (const v of json.templating.list) {
          const e = expectations.get(`${json.uid}/var/${v.name}`) as Expect
          const [series = []] = await influx.query(interpolate(v.query, base), { method: 'POST' })
          check(series, e, `${json.uid} variable ${v.name}`)
        }
        let ran = 0
        for (const panel of json.panels) {
          const intervalMs = intervalFor(panel.interval, rangeMs(json.time.from, json.time.to))
          for (const t of panel.targets) {
            const e = expectations.get(`${json.uid}/${panel.id}/${t.refId}`)
            expect(e, `${panel.title} ${t.refId} has no expectation`).toBeDefined()
            const q = interpolate(t.query, { ...base, intervalMs })
            const [series = []] = await influx.query(q, { method: 'POST' })
            check(series, e as Expect, `${json.uid} "${panel.title}" ${t.refId}: ${q}`)
            ran++
          }
        }
        expect(ran).toBeGreaterThan(0)
      })
    }
  }

  it('shows the problem cabinets the backfill ends with', async () => {
    const problems = DASHBOARDS['fleet-overview.json']?.panels.find((p) => p.title === 'Current problems')
    const q = interpolate(problems?.targets[0]?.query ?? '', {
      from: 'now-7d',
      to: 'now',
      nowMs: data.nowMs,
      intervalMs: 60_000,
      variables: { district: { value: '$__all', multi: true, includeAll: true, allValue: '.*' } },
    })
    const [series = []] = await influx.query(q, { method: 'POST' })
    const shown = series.map((s) => [s.tags?.cabinet, s.values[0]?.[1]]).sort()
    const expected = data.cabinets
      .filter((c) => c.ending !== 'ready')
      .map((c) => [c.id, c.ending])
      .sort()
    expect(shown).toEqual(expected)
  })
})
