import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { DASHBOARDS, render } from '../../../dashboards/src/index.ts'

const DIR = fileURLToPath(new URL('../../../dashboards/', import.meta.url))
const read = (path: string) => readFileSync(`${DIR}${path}`, 'utf8')

interface Panel {
  id: number
  type: string
  title: string
  datasource: { type: string; uid: string }
  gridPos: { x: number; y: number; w: number; h: number }
  targets: Array<{ refId: string; datasource: { uid: string }; rawQuery: boolean; query: string }>
}

const files = readdirSync(`${DIR}grafana`).filter((f) => f.endsWith('.json'))
const dashboards = files.map((f) => ({ file: f, json: JSON.parse(read(`grafana/${f}`)) }))
const datasources = parseYaml(read('provisioning/datasources/aed-influxdb.yaml'))
/** Grafana's provisioning syntax for an environment variable: `${NAME}`. */
const env = (name: string) => `$${'{'}${name}}`
const UID = datasources.datasources[0].uid as string

describe('provisioning files', () => {
  it('provision one InfluxQL datasource with a fixed uid, its URL, database and credentials from the environment', () => {
    expect(datasources.apiVersion).toBe(1)
    expect(datasources.datasources).toHaveLength(1)
    const ds = datasources.datasources[0]
    expect(ds).toMatchObject({ uid: 'aed-influxdb', type: 'influxdb', access: 'proxy' })
    expect(ds.jsonData.version).toBe('InfluxQL')
    expect(ds.url).toBe(env('AEDGW_INFLUX_URL'))
    expect(ds.jsonData.dbName).toBe(env('AEDGW_INFLUX_DB'))
    expect(ds.user).toBe(env('AEDGW_INFLUX_USER'))
    expect(ds.secureJsonData.password).toBe(env('AEDGW_INFLUX_PASSWORD'))
  })

  it('offer a token variant for InfluxDB 2.x and 3 with the same uid', () => {
    const alt = parseYaml(read('provisioning/examples/influxdb-token.yaml'))
    const ds = alt.datasources[0]
    expect(ds).toMatchObject({ uid: UID, type: 'influxdb' })
    expect(ds.jsonData).toMatchObject({ version: 'InfluxQL', httpHeaderName1: 'Authorization' })
    expect(ds.secureJsonData.httpHeaderValue1).toBe(`Token ${env('AEDGW_INFLUX_TOKEN')}`)
  })

  it('provision a file provider whose path is where the compose file mounts dashboards/grafana', () => {
    const providers = parseYaml(read('provisioning/dashboards/aed.yaml'))
    expect(providers.apiVersion).toBe(1)
    const p = providers.providers[0]
    expect(p.type).toBe('file')
    const compose = parseYaml(read('docker-compose.yml'))
    const volumes: string[] = compose.services.grafana.volumes
    expect(volumes).toContain(`./grafana:${p.options.path}:ro`)
    expect(
      volumes.some((v) => v.startsWith('./provisioning/datasources:/etc/grafana/provisioning/datasources')),
    ).toBe(true)
  })
})

describe('dashboards', () => {
  it('are committed exactly as the generator in dashboards/src writes them', () => {
    const rendered = render()
    expect(Object.keys(rendered).sort()).toEqual([...files].sort())
    for (const [file, text] of Object.entries(rendered)) expect(read(`grafana/${file}`), file).toBe(text)
  })

  it('are the five the operators asked for, each with a unique uid', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual([
      'aed-alerts',
      'aed-cabinet',
      'aed-fleet',
      'aed-gateway',
      'aed-maintenance',
    ])
    for (const { json } of dashboards) expect(json.schemaVersion).toBe(39)
  })

  for (const { file, json } of dashboards) {
    describe(file, () => {
      const panels = json.panels as Panel[]

      it('has unique panel ids', () => {
        const ids = panels.map((p) => p.id)
        expect(new Set(ids).size).toBe(ids.length)
      })

      it('queries only the provisioned datasource, in raw InfluxQL', () => {
        for (const p of panels) {
          expect(p.datasource.uid, p.title).toBe(UID)
          expect(p.targets.length, p.title).toBeGreaterThan(0)
          for (const t of p.targets) {
            expect(t.datasource.uid, `${p.title} ${t.refId}`).toBe(UID)
            expect(t.rawQuery).toBe(true)
            expect(t.query).toMatch(/^(SELECT|SHOW) /)
          }
        }
        for (const v of json.templating.list) expect(v.datasource.uid, v.name).toBe(UID)
      })

      it('takes its variables from SHOW TAG VALUES', () => {
        for (const v of json.templating.list)
          expect(v.query).toMatch(/^SHOW TAG VALUES FROM "\w+" WITH KEY = "\w+"/)
      })

      it('lays panels out on the 24-column grid without overlaps', () => {
        for (const [i, a] of panels.entries()) {
          expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24)
          for (const b of panels.slice(i + 1)) {
            const apart =
              a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
              b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
              a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
              b.gridPos.y + b.gridPos.h <= a.gridPos.y
            expect(apart, `${a.title} / ${b.title}`).toBe(true)
          }
        }
      })

      it('gives every panel a title and a description', () => {
        for (const p of panels) {
          expect(p.title.length).toBeGreaterThan(3)
          expect((p as unknown as { description: string }).description.length, p.title).toBeGreaterThan(20)
        }
      })
    })
  }

  it('declare what every query must return, for the integration test to check', () => {
    for (const d of Object.values(DASHBOARDS))
      for (const p of d.panels)
        for (const t of p.targets) expect(t.expect.columns[0], `${d.uid} ${p.title}`).toBe('time')
  })
})
