import {
  BATTERY_CHARGE,
  byName,
  COLOUR,
  DAYS_LEFT,
  type DashboardSpec,
  DISTRICT_VARIABLE,
  fixedColour,
  matches,
  type PanelSpec,
  READINESS_MAPPING,
  SEVERITY_COLOURS,
  statPanel,
  thresholds,
} from './lib.ts'

const C = matches('cabinet')

function lastStat(
  title: string,
  description: string,
  query: string,
  column: string,
  x: number,
  defaults: Record<string, unknown>,
): PanelSpec {
  return statPanel({
    title,
    description,
    gridPos: { x, y: 0, w: 6, h: 4 },
    query,
    column,
    defaults: { color: { mode: 'thresholds' }, ...defaults },
  })
}

export const cabinet: DashboardSpec = {
  uid: 'aed-cabinet',
  title: 'AED cabinet',
  description: 'One cabinet in detail: what its sensors said over time, and its alerts.',
  tags: ['aed', 'bangkok', 'cabinet'],
  time: { from: 'now-7d', to: 'now' },
  refresh: '1m',
  variables: [
    { ...DISTRICT_VARIABLE, multi: false },
    {
      name: 'cabinet',
      label: 'Cabinet',
      query: `SHOW TAG VALUES FROM "heartbeat" WITH KEY = "cabinet" WHERE ${matches('district')}`,
      multi: false,
      includeAll: false,
      expect: { columns: ['key', 'value'] },
    },
  ],
  panels: [
    lastStat(
      'Readiness now',
      'Ready, needs attention, not ready, in use, or offline: as the gateway judges it from the last heartbeat.',
      `SELECT last("state") AS "state" FROM "readiness" WHERE ${C}`,
      'state',
      0,
      { mappings: [READINESS_MAPPING], thresholds: thresholds(COLOUR.unknown) },
    ),
    lastStat(
      'AED battery charge',
      'Charge of the AED battery at the last heartbeat. Under 20 % the AED may not deliver a full series of shocks.',
      `SELECT last("battery_pct") AS "battery_pct" FROM "heartbeat" WHERE ${C} AND $timeFilter`,
      'battery_pct',
      6,
      { unit: 'percent', thresholds: BATTERY_CHARGE },
    ),
    lastStat(
      'Pads expire in',
      'Days until the electrode pads expire (Bangkok calendar days).',
      `SELECT last("pad_days_left") AS "pad_days_left" FROM "heartbeat" WHERE ${C} AND $timeFilter`,
      'pad_days_left',
      12,
      { unit: 'd', decimals: 0, thresholds: DAYS_LEFT },
    ),
    lastStat(
      'Battery expires in',
      'Days until the AED battery reaches its expiry date.',
      `SELECT last("battery_days_left") AS "battery_days_left" FROM "heartbeat" WHERE ${C} AND $timeFilter`,
      'battery_days_left',
      18,
      { unit: 'd', decimals: 0, thresholds: DAYS_LEFT },
    ),
    {
      type: 'timeseries',
      title: 'AED battery charge (%)',
      description: 'Battery charge reported in each heartbeat. A steady fall points to a failing battery.',
      gridPos: { x: 0, y: 4, w: 12, h: 8 },
      targets: [
        {
          refId: 'A',
          alias: 'Battery charge',
          query: `SELECT mean("battery_pct") AS "battery_pct" FROM "heartbeat" WHERE ${C} AND $timeFilter GROUP BY time($__interval) fill(none)`,
          expect: { columns: ['time', 'battery_pct'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'percent',
          min: 0,
          max: 100,
          thresholds: BATTERY_CHARGE,
          color: fixedColour(COLOUR.ok),
          custom: { thresholdsStyle: { mode: 'line+area' }, fillOpacity: 0 },
        },
      },
    },
    {
      type: 'timeseries',
      title: 'Temperature inside the cabinet (°C)',
      description:
        'AEDs and pads are rated to about 50 °C. Outdoor cabinets in the sun go above 45 °C in the hot season.',
      gridPos: { x: 12, y: 4, w: 12, h: 8 },
      targets: [
        {
          refId: 'A',
          alias: '$col',
          query: `SELECT mean("temp_c") AS "average", max("temp_c") AS "highest" FROM "heartbeat" WHERE ${C} AND $timeFilter GROUP BY time($__interval) fill(none)`,
          expect: { columns: ['time', 'average', 'highest'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 'celsius',
          thresholds: thresholds(
            COLOUR.ok,
            [40, COLOUR.attention],
            [45, COLOUR.warning],
            [50, COLOUR.critical],
          ),
          custom: { thresholdsStyle: { mode: 'dashed' } },
        },
      },
    },
    {
      type: 'state-timeline',
      title: 'Door and AED',
      description: 'When the door was open and when the AED was out of its cabinet.',
      gridPos: { x: 0, y: 12, w: 24, h: 5 },
      targets: [
        {
          refId: 'A',
          alias: '$col',
          query: `SELECT last("door_open") AS "Door", last("aed_present") AS "AED" FROM "heartbeat" WHERE ${C} AND $timeFilter GROUP BY time($__interval) fill(previous)`,
          expect: { columns: ['time', 'Door', 'AED'] },
        },
      ],
      fieldConfig: {
        defaults: { custom: { fillOpacity: 80, lineWidth: 0 } },
        overrides: [
          byName('Door', [
            [
              'mappings',
              [
                {
                  type: 'value',
                  options: {
                    true: { text: 'Open', color: COLOUR.warning, index: 0 },
                    false: { text: 'Closed', color: COLOUR.ok, index: 1 },
                  },
                },
              ],
            ],
          ]),
          byName('AED', [
            [
              'mappings',
              [
                {
                  type: 'value',
                  options: {
                    true: { text: 'In cabinet', color: COLOUR.ok, index: 0 },
                    false: { text: 'Out of cabinet', color: COLOUR.critical, index: 1 },
                  },
                },
              ],
            ],
          ]),
        ],
      },
      options: { showValue: 'never', mergeValues: true, rowHeight: 0.8 },
    },
    {
      type: 'timeseries',
      title: 'Longest silence between heartbeats',
      description:
        'Longest time without a heartbeat. Cabinets report every 5 minutes; three missed heartbeats (15 min) count as offline.',
      gridPos: { x: 0, y: 17, w: 12, h: 8 },
      targets: [
        {
          refId: 'A',
          alias: 'Longest gap',
          query: `SELECT max("gap_s") AS "gap_s" FROM (SELECT elapsed("seq", 1s) AS "gap_s" FROM "heartbeat" WHERE ${C} AND $timeFilter GROUP BY "cabinet") WHERE $timeFilter GROUP BY time($__interval) fill(none)`,
          expect: { columns: ['time', 'gap_s'] },
        },
      ],
      fieldConfig: {
        defaults: {
          unit: 's',
          min: 0,
          thresholds: thresholds(COLOUR.ok, [600, COLOUR.warning], [900, COLOUR.critical]),
          custom: { drawStyle: 'bars', fillOpacity: 60, thresholdsStyle: { mode: 'dashed' } },
          color: { mode: 'thresholds' },
        },
      },
    },
    {
      type: 'table',
      title: 'Alerts of this cabinet',
      description: 'Every alert change in the time range, newest first: opened, acknowledged, resolved.',
      gridPos: { x: 12, y: 17, w: 12, h: 8 },
      targets: [
        {
          refId: 'A',
          format: 'table',
          query: `SELECT "id", "type", "severity", "state", "kind" FROM "alert" WHERE ${C} AND $timeFilter ORDER BY time DESC LIMIT 200`,
          expect: { columns: ['time', 'id', 'type', 'severity', 'state', 'kind'] },
        },
      ],
      fieldConfig: {
        overrides: [
          byName('severity', [
            [
              'mappings',
              [
                {
                  type: 'value',
                  options: Object.fromEntries(
                    Object.entries(SEVERITY_COLOURS).map(([k, color], index) => [k, { color, index }]),
                  ),
                },
              ],
            ],
            ['custom.cellOptions', { type: 'color-text' }],
          ]),
          byName('kind', [['displayName', 'change']]),
        ],
      },
      options: { showHeader: true },
    },
  ],
}
