import type { CabinetStatus } from '../../protocol/status.ts'
import { Line, measurement } from './measurement.ts'
import { type PointMeta, READING_TAGS, readingTags } from './reading.ts'

export const STATUS = measurement({
  name: 'status',
  tags: READING_TAGS,
  fields: { online: 'boolean', received_ms: 'integer' },
})

/** A connection status (retained topic or last will) at the gateway's receive time (`m.timeMs`). */
export function statusLine(status: CabinetStatus, m: PointMeta): string {
  return new Line(STATUS, readingTags(m), m.timeMs)
    .set('received_ms', m.receivedMs)
    .set('online', status === 'online')
    .toString()
}
