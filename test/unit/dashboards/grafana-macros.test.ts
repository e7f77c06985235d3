import { describe, expect, it } from 'vitest'
import { influxTime, interpolate, intervalText } from '../../../dashboards/src/grafana-macros.ts'

const NOW = Date.UTC(2026, 10, 26, 5, 0, 0)
const ctx = {
  from: 'now-7d',
  to: 'now',
  nowMs: NOW,
  intervalMs: 3_600_000,
  variables: {
    district: { value: ['1047', '1033'], multi: true, includeAll: true, allValue: '.*' },
    cabinet: { value: 'BKK-1047-0007', multi: false, includeAll: false },
  },
}

describe('Grafana InfluxQL macro substitution', () => {
  it('turns relative ranges into now() arithmetic and others into epoch milliseconds', () => {
    expect(influxTime('now-7d', NOW)).toBe('now() - 7d')
    expect(influxTime('now', NOW)).toBe('now()')
    expect(influxTime('now+14d', NOW)).toBe(`${NOW + 14 * 86_400_000}ms`)
    expect(influxTime(NOW, NOW)).toBe(`${NOW}ms`)
  })

  it('formats intervals the way $__interval reads', () => {
    expect(intervalText(3_600_000)).toBe('1h')
    expect(intervalText(300_000)).toBe('5m')
    expect(intervalText(86_400_000)).toBe('1d')
    expect(intervalText(10_000)).toBe('10s')
  })

  it('expands $timeFilter, $__interval and multi-value variables as a regex alternation', () => {
    const q = interpolate(
      'SELECT mean("x") FROM "m" WHERE "district" =~ /^$district$/ AND $timeFilter GROUP BY time($__interval)',
      ctx,
    )
    expect(q).toBe(
      'SELECT mean("x") FROM "m" WHERE "district" =~ /^(1047|1033)$/ AND time >= now() - 7d and time <= now() GROUP BY time(1h)',
    )
  })

  it('uses the allValue for All and the bare value for a single-value variable', () => {
    const all = {
      ...ctx,
      variables: { ...ctx.variables, district: { ...ctx.variables.district, value: '$__all' } },
    }
    expect(interpolate('/^$district$/ /^$cabinet$/', all)).toBe('/^.*$/ /^BKK-1047-0007$/')
  })

  it('escapes regex characters in the values of a multi-value variable', () => {
    const odd = { ...ctx, variables: { district: { value: ['a.b', 'c/d'], multi: true, includeAll: false } } }
    expect(interpolate('/^$district$/', odd)).toBe('/^(a\\.b|c\\/d)$/')
  })

  it('refuses to leave a variable unsubstituted', () => {
    expect(() => interpolate('WHERE "x" =~ /^$unknown$/', ctx)).toThrow(/unsubstituted \$unknown/)
  })
})
