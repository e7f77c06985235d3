import { describe, expect, it } from 'vitest'
import { type PointMeta, statusLine } from '../../../../gateway/store/schema/index.ts'

const T = 1795665600123
const meta: PointMeta = {
  cabinet: 'BKK-1001-0001',
  district: '1001',
  timeMs: T,
  receivedMs: T,
  skewMs: 0,
  skewed: false,
}

describe('status line protocol', () => {
  it('writes online as a boolean with the receive time, at the receive time', () => {
    expect(statusLine('online', meta)).toBe(
      'status,cabinet=BKK-1001-0001,district=1001 online=T,received_ms=1795665600123i 1795665600123',
    )
    expect(statusLine('offline', meta)).toBe(
      'status,cabinet=BKK-1001-0001,district=1001 online=F,received_ms=1795665600123i 1795665600123',
    )
  })
})
