import { DISTRICTS } from '../../gateway/protocol/districts.ts'

/** The provisioned datasource (dashboards/provisioning/datasources/aed-influxdb.yaml). */
export const DATASOURCE = { type: 'influxdb', uid: 'aed-influxdb' } as const

/** What a query must return against a filled database: the test in test/integration checks it. */
export interface Expect {
  /** Columns of every series, in order (`time` first, as InfluxQL answers). */
  columns: string[]
  /** Tag keys every series carries (its GROUP BY); none when omitted. */
  tags?: string[]
}

export interface Query {
  refId: string
  query: string
  format?: 'time_series' | 'table'
  /** Legend name; InfluxQL datasource patterns like `$tag_district` and `$col` work. */
  alias?: string
  expect: Expect
}

export type Json = Record<string, unknown>

export interface PanelSpec {
  type: 'stat' | 'timeseries' | 'table' | 'geomap' | 'bargauge' | 'state-timeline'
  title: string
  description: string
  gridPos: { x: number; y: number; w: number; h: number }
  targets: Query[]
  /** Smallest $__interval Grafana may pick (the data's own resolution). */
  interval?: string
  fieldConfig?: { defaults?: Json; overrides?: Json[] }
  options?: Json
  transformations?: Json[]
}

export interface Variable {
  name: string
  label: string
  query: string
  multi: boolean
  includeAll: boolean
  expect: Expect
}

export interface DashboardSpec {
  uid: string
  title: string
  description: string
  tags: string[]
  time: { from: string; to: string }
  refresh: string
  variables: Variable[]
  panels: PanelSpec[]
}

/** Colours named for what they mean, so every dashboard says the same thing the same way. */
export const COLOUR = {
  ok: 'green',
  attention: 'yellow',
  warning: 'orange',
  critical: 'red',
  inUse: 'blue',
  offline: 'purple',
  unknown: 'text',
} as const

export const READINESS_MAPPING: Json = {
  type: 'value',
  options: {
    ready: { text: 'Ready', color: COLOUR.ok, index: 0 },
    degraded: { text: 'Needs attention', color: COLOUR.attention, index: 1 },
    not_ready: { text: 'Not ready', color: COLOUR.critical, index: 2 },
    in_use: { text: 'In use (emergency)', color: COLOUR.inUse, index: 3 },
    offline: { text: 'Offline', color: COLOUR.offline, index: 4 },
    unknown: { text: 'Never heard from', color: COLOUR.unknown, index: 5 },
  },
}

export const SEVERITY_COLOURS: Record<string, string> = {
  critical: COLOUR.critical,
  major: COLOUR.warning,
  warning: COLOUR.attention,
  minor: COLOUR.inUse,
}

/** District code → "Bang Na บางนา", for cells and bars that show the district tag. */
export const DISTRICT_MAPPING: Json = {
  type: 'value',
  options: Object.fromEntries(
    DISTRICTS.map((d, index) => [d.code, { text: `${d.name_en} ${d.name_th}`, index }]),
  ),
}

/** Step thresholds: a base colour, then [value, colour] steps upward. */
export function thresholds(base: string, ...steps: Array<[number, string]>): Json {
  return {
    mode: 'absolute',
    steps: [{ color: base, value: null }, ...steps.map(([value, color]) => ({ color, value }))],
  }
}

export function byName(name: string, properties: Array<[string, unknown]>): Json {
  return {
    matcher: { id: 'byName', options: name },
    properties: properties.map(([id, value]) => ({ id, value })),
  }
}

export function fixedColour(color: string): Json {
  return { mode: 'fixed', fixedColor: color }
}

/** `thresholds` and a colour taken from them: the two field defaults always set together. */
export function thresholdColours(base: string, ...steps: Array<[number, string]>): Json {
  return { thresholds: thresholds(base, ...steps), color: { mode: 'thresholds' } }
}

/** Days left before an expiry: red within a week, orange within a month, yellow within two. */
export const DAYS_LEFT = thresholds(
  COLOUR.critical,
  [8, COLOUR.warning],
  [31, COLOUR.attention],
  [61, COLOUR.ok],
)

/** AED battery charge in %: under 20 it may not deliver a full series of shocks. */
export const BATTERY_CHARGE = thresholds(COLOUR.critical, [20, COLOUR.warning], [40, COLOUR.ok])

/** Bars stacked per interval (counts over time). */
export const STACKED_BARS: Json = { drawStyle: 'bars', fillOpacity: 80, stacking: { mode: 'normal' } }

/** A table cell coloured by its value's threshold or mapping. */
export const CELL_BACKGROUND: [string, unknown] = ['custom.cellOptions', { type: 'color-background' }]

/** Options of a stat panel showing its field's last value. */
export function statOptions(colorMode = 'background', graphMode = 'none'): Json {
  return { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode, graphMode }
}

export interface StatSpec {
  title: string
  description: string
  gridPos: PanelSpec['gridPos']
  /** One query answering one column (besides time). */
  query: string
  column: string
  defaults: Json
  colorMode?: string
  graphMode?: string
}

/** A stat panel: the last value of one query's one column. */
export function statPanel(s: StatSpec): PanelSpec {
  return {
    type: 'stat',
    title: s.title,
    description: s.description,
    gridPos: s.gridPos,
    targets: [{ refId: 'A', query: s.query, expect: { columns: ['time', s.column] } }],
    fieldConfig: { defaults: s.defaults },
    options: statOptions(s.colorMode, s.graphMode),
  }
}

/** The district column named ("Bang Na บางนา") instead of its code. */
export function districtNames(): Json {
  return byName('district', [['mappings', [DISTRICT_MAPPING]]])
}

export const CABINET_LINK = {
  title: 'Open this cabinet',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data-link variables, not a JS template
  url: '/d/aed-cabinet?var-cabinet=${__data.fields.cabinet}&${__url_time_range}',
}

/** Table overrides for the cabinet column (linked to its dashboard) and the district column (named). */
export function cabinetAndDistrictColumns(): Json[] {
  return [
    byName('cabinet', [
      ['displayName', 'Cabinet'],
      ['links', [CABINET_LINK]],
    ]),
    byName('district', [
      ['displayName', 'District'],
      ['mappings', [DISTRICT_MAPPING]],
    ]),
  ]
}

/** `"district" =~ /^$district$/`: Grafana expands a multi-value variable into `(a|b)`. */
export function matches(tag: string, variable = tag): string {
  return `"${tag}" =~ /^$${variable}$/`
}

export const DISTRICT_VARIABLE: Variable = {
  name: 'district',
  label: 'District (khet)',
  query: 'SHOW TAG VALUES FROM "heartbeat" WITH KEY = "district"',
  multi: true,
  includeAll: true,
  expect: { columns: ['key', 'value'] },
}

function variableJson(v: Variable): Json {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource: DATASOURCE,
    query: v.query,
    definition: v.query,
    refresh: 2,
    sort: 1,
    multi: v.multi,
    includeAll: v.includeAll,
    ...(v.includeAll ? { allValue: '.*' } : {}),
    current: v.includeAll ? { selected: true, text: ['All'], value: ['$__all'] } : {},
    options: [],
    hide: 0,
  }
}

function targetJson(q: Query): Json {
  return {
    refId: q.refId,
    datasource: DATASOURCE,
    rawQuery: true,
    query: q.query,
    resultFormat: q.format ?? 'time_series',
    ...(q.alias ? { alias: q.alias } : {}),
  }
}

function panelJson(p: PanelSpec, id: number): Json {
  return {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    gridPos: p.gridPos,
    ...(p.interval ? { interval: p.interval } : {}),
    targets: p.targets.map(targetJson),
    fieldConfig: { defaults: p.fieldConfig?.defaults ?? {}, overrides: p.fieldConfig?.overrides ?? [] },
    options: p.options ?? {},
    ...(p.transformations ? { transformations: p.transformations } : {}),
  }
}

/** Grafana dashboard JSON (schemaVersion 39); panel ids are 1..n in order. */
export function dashboardJson(d: DashboardSpec): Json {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: d.tags,
    timezone: 'Asia/Bangkok',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: d.refresh,
    time: d.time,
    fiscalYearStartMonth: 0,
    weekStart: 'monday',
    links: [
      { title: 'AED dashboards', type: 'dashboards', tags: ['aed'], asDropdown: true, includeVars: true },
    ],
    annotations: { list: [] },
    templating: { list: d.variables.map(variableJson) },
    panels: d.panels.map((p, i) => panelJson(p, i + 1)),
  }
}
