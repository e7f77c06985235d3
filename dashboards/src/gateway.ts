import {
  COLOUR,
  type DashboardSpec,
  fixedColour,
  matches,
  type PanelSpec,
  STACKED_BARS,
  statPanel,
  thresholdColours,
  thresholds,
} from './lib.ts'

const W = `${matches('instance')} AND $timeFilter`
/** Counters are cumulative (reset by a restart): non_negative_derivative turns them into rates. */
function perMinute(field: string, as: string): string {
  return `non_negative_derivative(max("${field}"), 1m) AS "${as}"`
}

function series(
  title: string,
  description: string,
  query: string,
  columns: string[],
  pos: PanelSpec['gridPos'],
  defaults: Record<string, unknown>,
  alias = '$col',
  tags?: string[],
): PanelSpec {
  return {
    type: 'timeseries',
    title,
    description,
    gridPos: pos,
    // the gateway writes its metrics every 10 s (self_metrics.interval_s)
    interval: '1m',
    targets: [
      { refId: 'A', alias, query, expect: { columns: ['time', ...columns], ...(tags ? { tags } : {}) } },
    ],
    fieldConfig: { defaults },
  }
}

export const gateway: DashboardSpec = {
  uid: 'aed-gateway',
  title: 'AED gateway health',
  description:
    'Is the gateway taking in cabinet messages and getting them into InfluxDB? From the metrics the gateway writes about itself.',
  tags: ['aed', 'gateway', 'operations'],
  time: { from: 'now-6h', to: 'now' },
  refresh: '30s',
  variables: [
    {
      name: 'instance',
      label: 'Gateway',
      query: 'SHOW TAG VALUES FROM "gateway" WITH KEY = "instance"',
      multi: true,
      includeAll: true,
      expect: { columns: ['key', 'value'] },
    },
  ],
  panels: [
    statPanel({
      title: 'Cabinets connected now',
      description: 'MQTT connections from cabinets at the last report.',
      gridPos: { x: 0, y: 0, w: 8, h: 4 },
      query: `SELECT last("connected") AS "connected" FROM "gateway" WHERE ${W}`,
      column: 'connected',
      defaults: { decimals: 0, color: fixedColour(COLOUR.inUse) },
      colorMode: 'value',
      graphMode: 'area',
    }),
    statPanel({
      title: 'Lines waiting for InfluxDB',
      description:
        'Outbox depth: accepted messages not yet written to InfluxDB. It should stay near zero; it grows while InfluxDB is down.',
      gridPos: { x: 8, y: 0, w: 8, h: 4 },
      query: `SELECT last("outbox_depth") AS "outbox_depth" FROM "gateway" WHERE ${W}`,
      column: 'outbox_depth',
      defaults: {
        decimals: 0,
        ...thresholdColours(COLOUR.ok, [10000, COLOUR.warning], [100000, COLOUR.critical]),
      },
      graphMode: 'area',
    }),
    statPanel({
      title: 'Oldest line waiting',
      description: 'How long the oldest unwritten message has waited: the delay dashboards are behind.',
      gridPos: { x: 16, y: 0, w: 8, h: 4 },
      query: `SELECT last("outbox_oldest_age_s") AS "outbox_oldest_age_s" FROM "gateway" WHERE ${W}`,
      column: 'outbox_oldest_age_s',
      defaults: { unit: 's', ...thresholdColours(COLOUR.ok, [60, COLOUR.warning], [600, COLOUR.critical]) },
      graphMode: 'area',
    }),
    series(
      'Messages per minute: received and stored',
      'MQTT messages from cabinets, and those validated and stored durably. A gap between the two lines is rejections.',
      `SELECT ${perMinute('received_total', 'received')}, ${perMinute('accepted_total', 'stored')} FROM "gateway" WHERE ${W} GROUP BY time($__interval) fill(none)`,
      ['received', 'stored'],
      { x: 0, y: 4, w: 12, h: 8 },
      { unit: 'short', min: 0 },
    ),
    series(
      'Rejected messages per minute, by reason',
      'Messages refused: invalid payloads (a firmware bug), rate limits, outbox full. Each is counted and quarantined, never lost silently.',
      `SELECT ${perMinute('total', 'rejected')} FROM "gateway_rejections" WHERE ${W} GROUP BY time($__interval), "reason" fill(none)`,
      ['rejected'],
      { x: 12, y: 4, w: 12, h: 8 },
      { unit: 'short', min: 0, custom: STACKED_BARS },
      '$tag_reason',
      ['reason'],
    ),
    series(
      'Outbox depth',
      'Lines waiting to be written to InfluxDB (highest in each interval).',
      `SELECT max("outbox_depth") AS "waiting" FROM "gateway" WHERE ${W} GROUP BY time($__interval) fill(none)`,
      ['waiting'],
      { x: 0, y: 12, w: 12, h: 8 },
      {
        unit: 'short',
        min: 0,
        thresholds: thresholds(COLOUR.ok, [10000, COLOUR.warning], [100000, COLOUR.critical]),
        custom: { thresholdsStyle: { mode: 'dashed' } },
      },
    ),
    series(
      'InfluxDB write latency',
      'Time InfluxDB took to accept a batch: median and 99th percentile over each report interval.',
      `SELECT mean("influx_write_p50_ms") AS "median", max("influx_write_p99_ms") AS "p99" FROM "gateway" WHERE ${W} GROUP BY time($__interval) fill(none)`,
      ['median', 'p99'],
      { x: 12, y: 12, w: 12, h: 8 },
      {
        unit: 'ms',
        min: 0,
        thresholds: thresholds(COLOUR.ok, [500, COLOUR.warning], [2000, COLOUR.critical]),
        custom: { thresholdsStyle: { mode: 'dashed' } },
      },
    ),
    series(
      'Connected cabinets',
      'Cabinets connected over time. A sudden drop across many cabinets is a network or power outage, not a cabinet fault.',
      `SELECT min("connected") AS "lowest", max("connected") AS "highest" FROM "gateway" WHERE ${W} GROUP BY time($__interval) fill(none)`,
      ['lowest', 'highest'],
      { x: 0, y: 20, w: 12, h: 8 },
      { unit: 'short', min: 0, decimals: 0 },
    ),
    series(
      'InfluxDB write failures per minute',
      'Failed write requests; the gateway keeps the lines and retries, so failures delay data but do not lose it.',
      `SELECT ${perMinute('influx_write_failures_total', 'failures')} FROM "gateway" WHERE ${W} GROUP BY time($__interval) fill(none)`,
      ['failures'],
      { x: 12, y: 20, w: 12, h: 8 },
      {
        unit: 'short',
        min: 0,
        ...thresholdColours(COLOUR.ok, [1, COLOUR.critical]),
      },
    ),
  ],
}
