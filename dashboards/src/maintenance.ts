import {
  BATTERY_CHARGE,
  byName,
  CELL_BACKGROUND,
  COLOUR,
  cabinetAndDistrictColumns,
  DAYS_LEFT,
  type DashboardSpec,
  DISTRICT_VARIABLE,
  districtNames,
  matches,
  type PanelSpec,
  thresholdColours,
} from './lib.ts'

const D = matches('district')

function lastPer(field: string): string {
  return `SELECT last("${field}") AS "${field}" FROM "heartbeat" WHERE ${D} AND $timeFilter GROUP BY "cabinet", "district"`
}

function byDistrictBars(
  title: string,
  description: string,
  field: string,
  condition: string,
  x: number,
): PanelSpec {
  return {
    type: 'bargauge',
    title,
    description,
    gridPos: { x, y: 0, w: 8, h: 10 },
    targets: [
      {
        refId: 'A',
        format: 'table',
        query: `SELECT count("${field}") AS "cabinets" FROM (${lastPer(field)}) WHERE "${field}" ${condition} GROUP BY "district"`,
        expect: { columns: ['time', 'cabinets'], tags: ['district'] },
      },
    ],
    fieldConfig: {
      defaults: {
        decimals: 0,
        min: 0,
        ...thresholdColours(COLOUR.attention, [5, COLOUR.warning], [10, COLOUR.critical]),
      },
      overrides: [districtNames()],
    },
    // one bar per row (district), named by the district column
    options: {
      reduceOptions: { values: true, calcs: [], fields: '/^cabinets$/' },
      orientation: 'horizontal',
      displayMode: 'gradient',
      showUnfilled: true,
    },
    transformations: [{ id: 'merge', options: {} }],
  }
}

export const maintenance: DashboardSpec = {
  uid: 'aed-maintenance',
  title: 'AED maintenance — pads and batteries',
  description: 'What to replace, where, and before when. Plan technician rounds by district.',
  tags: ['aed', 'bangkok', 'maintenance'],
  time: { from: 'now-30d', to: 'now+14d' },
  refresh: '15m',
  variables: [DISTRICT_VARIABLE],
  panels: [
    byDistrictBars(
      'Pads expiring within 30 days, by district',
      'Cabinets whose electrode pads expire in 30 days or less (or already have).',
      'pad_days_left',
      '<= 30',
      0,
    ),
    byDistrictBars(
      'AED batteries expiring within 30 days, by district',
      'Cabinets whose AED battery reaches its expiry date in 30 days or less.',
      'battery_days_left',
      '<= 30',
      8,
    ),
    byDistrictBars(
      'Low battery charge (under 20 %), by district',
      'Cabinets whose AED reported less than 20 % charge in its last heartbeat.',
      'battery_pct',
      '< 20',
      16,
    ),
    {
      type: 'table',
      title: 'Work list: pads and batteries by days left',
      description: 'Every cabinet, soonest expiry first. Red: 7 days or less; orange: 30; yellow: 60.',
      gridPos: { x: 0, y: 10, w: 24, h: 11 },
      targets: [
        {
          refId: 'A',
          format: 'table',
          query: `SELECT last("pad_days_left") AS "pad_days_left", last("pad_expiry") AS "pad_expiry", last("battery_days_left") AS "battery_days_left", last("battery_expiry") AS "battery_expiry", last("battery_pct") AS "battery_pct" FROM "heartbeat" WHERE ${D} AND $timeFilter GROUP BY "cabinet", "district"`,
          expect: {
            columns: [
              'time',
              'pad_days_left',
              'pad_expiry',
              'battery_days_left',
              'battery_expiry',
              'battery_pct',
            ],
            tags: ['cabinet', 'district'],
          },
        },
      ],
      fieldConfig: {
        overrides: [
          ...cabinetAndDistrictColumns(),
          byName('pad_days_left', [
            ['displayName', 'Pads: days left'],
            ['thresholds', DAYS_LEFT],
            CELL_BACKGROUND,
          ]),
          byName('battery_days_left', [
            ['displayName', 'Battery: days left'],
            ['thresholds', DAYS_LEFT],
            CELL_BACKGROUND,
          ]),
          byName('pad_expiry', [['displayName', 'Pads expire']]),
          byName('battery_expiry', [['displayName', 'Battery expires']]),
          byName('battery_pct', [
            ['displayName', 'Charge'],
            ['unit', 'percent'],
            ['thresholds', BATTERY_CHARGE],
            ['custom.cellOptions', { type: 'color-text' }],
          ]),
        ],
      },
      transformations: [{ id: 'organize', options: { excludeByName: { Time: true } } }],
      options: { showHeader: true, sortBy: [{ displayName: 'Pads: days left', desc: false }] },
    },
    {
      type: 'timeseries',
      title: 'Battery charge: lowest cabinet, with a 14-day forecast',
      description:
        'Lowest AED battery charge in the selected districts each day, and where it is heading (Holt-Winters forecast by InfluxDB). Plan replacements before the forecast crosses 20 %.',
      gridPos: { x: 0, y: 21, w: 12, h: 9 },
      targets: [
        {
          refId: 'A',
          alias: 'Lowest charge',
          query: `SELECT min("battery_pct") AS "lowest" FROM "heartbeat" WHERE ${D} AND $timeFilter GROUP BY time(1d) fill(none)`,
          expect: { columns: ['time', 'lowest'] },
        },
        {
          refId: 'B',
          alias: 'Forecast',
          query: `SELECT holt_winters(min("battery_pct"), 14, 0) AS "forecast" FROM "heartbeat" WHERE ${D} AND $timeFilter GROUP BY time(1d)`,
          expect: { columns: ['time', 'forecast'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percent',
          min: 0,
          max: 100,
          thresholds: BATTERY_CHARGE,
          custom: { thresholdsStyle: { mode: 'line+area' } },
        },
        overrides: [byName('Forecast', [['custom.lineStyle', { fill: 'dash', dash: [10, 10] }]])],
      },
    },
    {
      type: 'timeseries',
      title: 'Average battery charge by district (hourly rollups, for long ranges)',
      description:
        'From the hourly rollups kept for years (retention policy "rollup"): widen the time range to compare seasons and years.',
      gridPos: { x: 12, y: 21, w: 12, h: 9 },
      interval: '1h',
      targets: [
        {
          refId: 'A',
          alias: '$tag_district',
          query: `SELECT mean("battery_pct") AS "battery_pct" FROM "rollup"."heartbeat_1h" WHERE ${D} AND $timeFilter GROUP BY time($__interval), "district" fill(none)`,
          expect: { columns: ['time', 'battery_pct'], tags: ['district'] },
        },
      ],
      fieldConfig: { defaults: { unit: 'percent', min: 0, max: 100 } },
    },
  ],
}
