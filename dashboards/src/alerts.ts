import {
  byName,
  COLOUR,
  type DashboardSpec,
  DISTRICT_VARIABLE,
  fixedColour,
  matches,
  type PanelSpec,
  SEVERITY_COLOURS,
  STACKED_BARS,
  statPanel,
  thresholdColours,
  thresholds,
} from './lib.ts'

const W = `${matches('district')} AND ${matches('severity')} AND $timeFilter`
const severityColours = Object.entries(SEVERITY_COLOURS).map(([s, c]) =>
  byName(s, [['color', fixedColour(c)]]),
)

/** Minutes from opening to `at` on the transition points of `kind` (fields started_ms, ack_ms, resolved_ms). */
function minutes(kind: string, at: string): string {
  return `SELECT ("${at}" - "started_ms") / 60000 AS "minutes" FROM "alert" WHERE "kind" = '${kind}' AND ${W} GROUP BY "severity"`
}

function delayPanel(title: string, description: string, kind: string, at: string, x: number): PanelSpec {
  return {
    type: 'timeseries',
    title,
    description,
    gridPos: { x, y: 22, w: 12, h: 8 },
    interval: '1h',
    targets: [
      {
        refId: 'A',
        alias: '$tag_severity',
        query: `SELECT mean("minutes") AS "minutes" FROM (${minutes(kind, at)}) WHERE $timeFilter GROUP BY time($__interval), "severity" fill(none)`,
        expect: { columns: ['time', 'minutes'], tags: ['severity'] },
      },
    ],
    fieldConfig: {
      defaults: {
        unit: 'm',
        min: 0,
        thresholds: thresholds(COLOUR.ok, [15, COLOUR.attention], [60, COLOUR.critical]),
        custom: { drawStyle: 'points', pointSize: 6, thresholdsStyle: { mode: 'dashed' } },
      },
      overrides: severityColours,
    },
  }
}

function medianStat(title: string, description: string, kind: string, at: string, x: number): PanelSpec {
  return statPanel({
    title,
    description,
    gridPos: { x, y: 0, w: 6, h: 4 },
    query: `SELECT percentile("minutes", 50) AS "median" FROM (${minutes(kind, at)}) WHERE $timeFilter`,
    column: 'median',
    defaults: {
      unit: 'm',
      decimals: 0,
      ...thresholdColours(COLOUR.ok, [15, COLOUR.attention], [60, COLOUR.critical]),
    },
  })
}

function countOverTime(
  title: string,
  description: string,
  where: string,
  by: string,
  y: number,
  x: number,
  w: number,
): PanelSpec {
  return {
    type: 'timeseries',
    title,
    description,
    gridPos: { x, y, w, h: 9 },
    interval: '5m',
    targets: [
      {
        refId: 'A',
        alias: `$tag_${by}`,
        query: `SELECT count("id") AS "alerts" FROM "alert" WHERE ${where} AND ${W} GROUP BY time($__interval), "${by}" fill(0)`,
        expect: { columns: ['time', 'alerts'], tags: [by] },
      },
    ],
    fieldConfig: {
      defaults: { unit: 'short', decimals: 0, custom: STACKED_BARS },
      overrides: by === 'severity' ? severityColours : [],
    },
    options: {
      legend: { displayMode: 'table', placement: 'right', calcs: ['sum'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  }
}

const OPENED = `"kind" =~ /^(open|reopen)$/`

export const alerts: DashboardSpec = {
  uid: 'aed-alerts',
  title: 'AED alerts',
  description: 'Alerts raised, acknowledged and resolved; how fast the teams respond.',
  tags: ['aed', 'bangkok', 'alerts'],
  time: { from: 'now-7d', to: 'now' },
  refresh: '1m',
  variables: [
    DISTRICT_VARIABLE,
    {
      name: 'severity',
      label: 'Severity',
      query: 'SHOW TAG VALUES FROM "alert" WITH KEY = "severity"',
      multi: true,
      includeAll: true,
      expect: { columns: ['key', 'value'] },
    },
  ],
  panels: [
    statPanel({
      title: 'Alerts raised',
      description: 'Alerts opened (or reopened) in the time range.',
      gridPos: { x: 0, y: 0, w: 6, h: 4 },
      query: `SELECT count("id") AS "raised" FROM "alert" WHERE ${OPENED} AND ${W}`,
      column: 'raised',
      defaults: { noValue: '0', decimals: 0, color: fixedColour(COLOUR.inUse) },
      colorMode: 'value',
    }),
    statPanel({
      title: 'Critical alerts raised',
      description: 'Critical alerts opened in the time range: each one left an AED unusable.',
      gridPos: { x: 6, y: 0, w: 6, h: 4 },
      query: `SELECT count("id") AS "raised" FROM "alert" WHERE ${OPENED} AND "severity" = 'critical' AND ${W}`,
      column: 'raised',
      defaults: { noValue: '0', decimals: 0, ...thresholdColours(COLOUR.ok, [1, COLOUR.critical]) },
    }),
    medianStat(
      'Median time to acknowledge',
      'Half of the alerts were acknowledged faster than this.',
      'acknowledge',
      'ack_ms',
      12,
    ),
    medianStat(
      'Median time to resolve',
      'Half of the alerts were resolved faster than this.',
      'resolve',
      'resolved_ms',
      18,
    ),
    countOverTime(
      'Alerts raised, by type',
      'New alerts per interval, by what went wrong.',
      OPENED,
      'type',
      4,
      0,
      12,
    ),
    countOverTime(
      'Alerts raised, by severity',
      'New alerts per interval, by severity.',
      OPENED,
      'severity',
      4,
      12,
      12,
    ),
    countOverTime(
      'Raised, acknowledged and resolved',
      'Alert changes per interval: active (raised), acknowledged by a person, resolved.',
      `"kind" =~ /^(open|reopen|acknowledge|resolve)$/`,
      'state',
      13,
      0,
      24,
    ),
    delayPanel(
      'Time to acknowledge, by severity',
      'Minutes from an alert opening to a person acknowledging it. Critical alerts should be acknowledged within 15 minutes.',
      'acknowledge',
      'ack_ms',
      0,
    ),
    delayPanel(
      'Time to resolve, by severity',
      'Minutes from an alert opening to its resolution (the cabinet is fine again, or a person resolved it).',
      'resolve',
      'resolved_ms',
      12,
    ),
  ],
}
