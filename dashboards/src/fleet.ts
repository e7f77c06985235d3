import {
  byName,
  CELL_BACKGROUND,
  COLOUR,
  cabinetAndDistrictColumns,
  type DashboardSpec,
  DISTRICT_MAPPING,
  DISTRICT_VARIABLE,
  districtNames,
  fixedColour,
  matches,
  type PanelSpec,
  READINESS_MAPPING,
  STACKED_BARS,
  statOptions,
  statPanel,
  thresholdColours,
  thresholds,
} from './lib.ts'

const D = matches('district')

/** Each cabinet's readiness now: the last point written on a change (no time filter: it may be old). */
const current = `SELECT last("state") AS "state" FROM "readiness" WHERE ${D} GROUP BY "cabinet", "district"`

function countIn(states: string, as: string, groupBy = ''): string {
  return `SELECT count("state") AS "${as}" FROM (${current}) WHERE "state" =~ /^(${states})$/${groupBy}`
}

function countStat(
  title: string,
  description: string,
  states: string,
  colour: Record<string, unknown>,
  x: number,
): PanelSpec {
  return statPanel({
    title,
    description,
    gridPos: { x, y: 0, w: 4, h: 4 },
    query: countIn(states, 'cabinets'),
    column: 'cabinets',
    defaults: { unit: 'none', noValue: '0', decimals: 0, ...colour },
  })
}

const byDistrict: PanelSpec = {
  type: 'table',
  title: 'Readiness by district',
  description: 'Cabinets per district in each readiness state now. Red cells need a technician.',
  gridPos: { x: 0, y: 4, w: 10, h: 12 },
  targets: [
    ['A', 'ready', 'Ready'],
    ['B', 'degraded', 'Needs attention'],
    ['C', 'not_ready', 'Not ready'],
    ['D', 'in_use', 'In use'],
    ['E', 'offline', 'Offline'],
  ].map(([refId, state, as]) => ({
    refId: refId as string,
    format: 'table' as const,
    query: countIn(state as string, as as string, ' GROUP BY "district"'),
    expect: { columns: ['time', as as string], tags: ['district'] },
  })),
  fieldConfig: {
    defaults: { custom: { align: 'center' }, noValue: '0' },
    overrides: [
      byName('district', [
        ['displayName', 'District'],
        ['mappings', [DISTRICT_MAPPING]],
        ['custom.align', 'left'],
      ]),
      byName('Not ready', [CELL_BACKGROUND, ['thresholds', thresholds('transparent', [1, COLOUR.critical])]]),
      byName('Offline', [CELL_BACKGROUND, ['thresholds', thresholds('transparent', [1, COLOUR.offline])]]),
      byName('In use', [CELL_BACKGROUND, ['thresholds', thresholds('transparent', [1, COLOUR.inUse])]]),
    ],
  },
  transformations: [
    { id: 'merge', options: {} },
    { id: 'organize', options: { excludeByName: { Time: true } } },
  ],
  options: { showHeader: true, sortBy: [{ displayName: 'Not ready', desc: true }] },
}

export const fleet: DashboardSpec = {
  uid: 'aed-fleet',
  title: 'AED fleet overview — Bangkok',
  description: 'Is every public defibrillator in Bangkok ready to use, and where is help needed?',
  tags: ['aed', 'bangkok', 'operations'],
  time: { from: 'now-7d', to: 'now' },
  refresh: '1m',
  variables: [DISTRICT_VARIABLE],
  panels: [
    {
      type: 'stat',
      title: 'Ready now',
      description: 'Share of cabinets whose AED is ready to use now. Below 95 % means many sites to visit.',
      gridPos: { x: 0, y: 0, w: 4, h: 4 },
      targets: [
        {
          refId: 'A',
          format: 'table',
          query: countIn('ready', 'ready'),
          expect: { columns: ['time', 'ready'] },
        },
        {
          refId: 'B',
          format: 'table',
          query: `SELECT count("state") AS "cabinets" FROM (${current})`,
          expect: { columns: ['time', 'cabinets'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          decimals: 1,
          min: 0,
          max: 1,
          ...thresholdColours(
            COLOUR.critical,
            [0.9, COLOUR.warning],
            [0.95, COLOUR.attention],
            [0.98, COLOUR.ok],
          ),
        },
      },
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'calculateField',
          options: {
            mode: 'binary',
            alias: 'Ready share',
            binary: { left: 'ready', operator: '/', right: 'cabinets' },
            replaceFields: true,
          },
        },
      ],
      options: statOptions(),
    },
    countStat(
      'Not ready',
      'Cabinets whose AED cannot be used now (expired pads, failed self-test, flat battery…). Each one needs a technician.',
      'not_ready',
      thresholdColours(COLOUR.ok, [1, COLOUR.critical]),
      4,
    ),
    countStat(
      'Offline',
      'Cabinets the gateway has not heard from: their state is unknown until they reconnect.',
      'offline',
      thresholdColours(COLOUR.ok, [1, COLOUR.offline]),
      8,
    ),
    countStat(
      'In use (emergency)',
      'AEDs taken out of their cabinet right now: probably at a cardiac arrest. Expect them back.',
      'in_use',
      { color: fixedColour(COLOUR.inUse) },
      12,
    ),
    countStat(
      'Needs attention',
      'Still usable, but something is due soon (pads or battery expiring, cabinet too hot, on backup power).',
      'degraded',
      thresholdColours(COLOUR.ok, [1, COLOUR.attention]),
      16,
    ),
    statPanel({
      title: 'AED missing from cabinet',
      description:
        'Cabinets whose last heartbeat (in the time range) reports no AED inside. Includes AEDs in use; one that stays missing after an emergency must be found.',
      gridPos: { x: 20, y: 0, w: 4, h: 4 },
      query: `SELECT count("aed_present") AS "cabinets" FROM (SELECT last("aed_present") AS "aed_present" FROM "heartbeat" WHERE ${D} AND $timeFilter GROUP BY "cabinet") WHERE "aed_present" = false`,
      column: 'cabinets',
      defaults: { noValue: '0', decimals: 0, ...thresholdColours(COLOUR.ok, [1, COLOUR.critical]) },
    }),
    byDistrict,
    {
      type: 'geomap',
      title: 'Cabinets on the map, coloured by readiness',
      description:
        'Every cabinet at its registered position. Green ready, yellow needs attention, red not ready, blue in use, purple offline.',
      gridPos: { x: 10, y: 4, w: 14, h: 12 },
      targets: [
        {
          refId: 'A',
          format: 'table',
          query: `SELECT last("state") AS "state", "reasons", "lat", "lon" FROM "readiness" WHERE ${D} GROUP BY "cabinet", "district"`,
          expect: { columns: ['time', 'state', 'reasons', 'lat', 'lon'], tags: ['cabinet', 'district'] },
        },
      ],
      fieldConfig: {
        defaults: {
          mappings: [READINESS_MAPPING],
          color: { mode: 'thresholds' },
          thresholds: thresholds(COLOUR.unknown),
        },
        overrides: [districtNames()],
      },
      options: {
        view: { id: 'coords', lat: 13.7563, lon: 100.5018, zoom: 10 },
        controls: { showZoom: true, mouseWheelZoom: true, showAttribution: true },
        basemap: { type: 'default', name: 'Basemap' },
        tooltip: { mode: 'details' },
        layers: [
          {
            type: 'markers',
            name: 'Cabinets',
            location: { mode: 'coords', latitude: 'lat', longitude: 'lon' },
            config: {
              showLegend: true,
              style: {
                color: { field: 'state', fixed: COLOUR.unknown },
                size: { fixed: 6 },
                symbol: { mode: 'fixed', fixed: 'img/icons/marker/circle.svg' },
                opacity: 0.9,
              },
            },
          },
        ],
      },
    },
    {
      type: 'table',
      title: 'Current problems',
      description: 'Every cabinet not ready now, since when and why. Click a cabinet to open its page.',
      gridPos: { x: 0, y: 16, w: 14, h: 10 },
      targets: [
        {
          refId: 'A',
          format: 'table',
          query: `SELECT "state", "reasons" FROM (SELECT last("state") AS "state", "reasons" FROM "readiness" WHERE ${D} GROUP BY "cabinet", "district") WHERE "state" <> 'ready' GROUP BY "cabinet", "district"`,
          expect: { columns: ['time', 'state', 'reasons'], tags: ['cabinet', 'district'] },
        },
      ],
      fieldConfig: {
        overrides: [
          byName('Time', [['displayName', 'Since']]),
          ...cabinetAndDistrictColumns(),
          byName('state', [['displayName', 'Readiness'], ['mappings', [READINESS_MAPPING]], CELL_BACKGROUND]),
          byName('reasons', [['displayName', 'Why']]),
        ],
      },
      options: { showHeader: true, sortBy: [{ displayName: 'Since', desc: false }] },
    },
    {
      type: 'timeseries',
      title: 'Door openings',
      description:
        'Cabinet doors opened, per district. A spike in one district may be vandalism or an incident.',
      gridPos: { x: 14, y: 16, w: 10, h: 10 },
      interval: '5m',
      targets: [
        {
          refId: 'A',
          alias: '$tag_district',
          query: `SELECT count("seq") AS "openings" FROM "event" WHERE "type" = 'door_open' AND ${D} AND $timeFilter GROUP BY time($__interval), "district" fill(0)`,
          expect: { columns: ['time', 'openings'], tags: ['district'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'short',
          decimals: 0,
          custom: STACKED_BARS,
        },
      },
      options: {
        legend: { displayMode: 'list', placement: 'bottom' },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    },
    {
      type: 'timeseries',
      title: 'Coverage by district',
      description:
        "Share of each district's demand points (subdistrict points) with a usable AED (ready, open, public) within 300 m walking. A drop at night means the district relies on AEDs behind office doors. Method and error: docs/coverage.md.",
      gridPos: { x: 0, y: 26, w: 24, h: 9 },
      interval: '1h',
      targets: [
        {
          refId: 'A',
          alias: '$tag_district',
          query: `SELECT last("share") AS "share" FROM "coverage" WHERE ${D} AND $timeFilter GROUP BY time($__interval), "district" fill(previous)`,
          expect: { columns: ['time', 'share'], tags: ['district'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percentunit',
          min: 0,
          max: 1,
          decimals: 0,
          custom: { drawStyle: 'line', lineInterpolation: 'stepAfter', fillOpacity: 0 },
        },
      },
      options: {
        legend: { displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'min'] },
        tooltip: { mode: 'multi', sort: 'asc' },
      },
    },
  ],
}
