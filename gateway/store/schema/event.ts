import type { CabinetEvent } from '../../protocol/event.ts'
import { Line, measurement } from './measurement.ts'
import { type PointMeta, READING_TAGS, readingTags } from './reading.ts'

export const EVENT = measurement({
  name: 'event',
  tags: [...READING_TAGS, 'type'],
  fields: {
    seq: 'integer',
    boot: 'string',
    result: 'string',
    detail: 'string',
    received_ms: 'integer',
    skew_ms: 'integer',
    clock_skew: 'boolean',
  },
})

/** An event at the device's time, tagged with its type. */
export function eventLine(e: CabinetEvent, m: PointMeta): string {
  return new Line(EVENT, { ...readingTags(m), type: e.type }, m.timeMs)
    .set('received_ms', m.receivedMs)
    .set('seq', e.seq)
    .set('skew_ms', m.skewMs)
    .set('clock_skew', m.skewed)
    .set('boot', e.boot)
    .set('result', e.result)
    .set('detail', e.detail)
    .toString()
}
