import { Point } from '@influxdata/influxdb-client'
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

  it('writes the same line as the InfluxDB client’s Point, free-form fields sorted among the declared', () => {
    const WIDE = measurement({
      name: 'wide',
      tags: ['zone', 'cabinet'],
      fields: { b: 'integer', y_last: 'string', a: 'float', up: 'boolean' },
      extraPrefix: 'x_',
    })
    const strings = ['plain', 'a b,c=d', 'quote " and \\ back', 'line\nbreak\ttab', 'ไทย ✓']
    for (const [i, text] of strings.entries()) {
      const ours = new Line(WIDE, { zone: text, cabinet: `C-${i}` }, 1795665600000 + i)
        .set('b', i * 7 - 3)
        .set('a', i / 3)
        .set('y_last', text)
        .set('up', i % 2 === 0)
        .extra('humidity', 71.5)
        .extra('note', text)
        .extra('wet', true)
      const point = new Point('wide')
        .tag('zone', text)
        .tag('cabinet', `C-${i}`)
        .intField('b', i * 7 - 3)
        .floatField('a', i / 3)
        .stringField('y_last', text)
        .booleanField('up', i % 2 === 0)
        .floatField('x_humidity', 71.5)
        .stringField('x_note', text)
        .booleanField('x_wet', true)
        .timestamp(String(1795665600000 + i))
      expect(ours.toString()).toBe(point.toLineProtocol())
    }
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
