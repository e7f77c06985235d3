import { describe, expect, it } from 'vitest'
import { influxql, READINESS } from '../../../../gateway/store/schema/index.ts'
import { Line, measurement } from '../../../../gateway/store/schema/measurement.ts'

const PROBE = measurement({
  name: 'probe m,x',
  tags: ['site id', 'zone'],
  fields: { count: 'integer', ratio: 'float', label: 'string', up: 'boolean' },
})

describe('line builder', () => {
  it('escapes the measurement, tag keys and values, and quotes string fields', () => {
    const line = new Line(PROBE, { 'site id': 'a,b=c d', zone: 'z' }, 1795665600000)
      .set('count', 3)
      .set('ratio', 0.5)
      .set('label', 'he said "ok"\\')
      .set('up', false)
      .toString()
    expect(line).toBe(
      'probe\\ m\\,x,site\\ id=a\\,b\\=c\\ d,zone=z count=3i,label="he said \\"ok\\"\\\\",ratio=0.5,up=F 1795665600000',
    )
  })

  it('leaves out a tag with an empty value and a field set to undefined', () => {
    const line = new Line(PROBE, { 'site id': 's1', zone: '' }, 5).set('count', 1).set('ratio', undefined)
    expect(line.toString()).toBe('probe\\ m\\,x,site\\ id=s1 count=1i 5')
  })

  it('takes a field only with its declared type', () => {
    const line = new Line(PROBE, { 'site id': 's1', zone: 'z' }, 5)
    // @ts-expect-error: count is declared an integer
    expect(() => line.set('count', 'three')).toThrow(/invalid integer/)
  })

  it('refuses free-form fields on a measurement that declares none', () => {
    expect(() => new Line(PROBE, { 'site id': 's1', zone: 'z' }, 5).extra('humidity', 71)).toThrow(
      /takes no free-form fields/,
    )
  })

  it('quotes the identifiers a measurement declares for InfluxQL', () => {
    const r = influxql(READINESS)
    expect(`SELECT ${r.key('reason_codes')} FROM ${r.from} GROUP BY ${r.key('cabinet')}`).toBe(
      'SELECT "reason_codes" FROM "readiness" GROUP BY "cabinet"',
    )
    // @ts-expect-error: not a tag or field of readiness
    r.key('battery_pct')
  })
})
