import { describe, expect, it } from 'vitest'
import { readinessLine } from '../../../../gateway/store/schema/index.ts'

describe('readiness line protocol', () => {
  it('tags the readiness, joins reasons for people and sorted distinct codes for aggregation', () => {
    const line = readinessLine({
      cabinet: 'BKK-1047-0007',
      district: '1047',
      readiness: 'not_ready',
      reasons: [
        { code: 'pad_expiry', message: 'Pads expired 2 days ago' },
        { code: 'battery_low', message: 'Battery at 12%, "replace"' },
        { code: 'pad_expiry', message: 'Pads: adult only' },
      ],
      lat: 13.6683,
      lon: 100.6044,
      atMs: 1795665600000,
    })
    expect(line).toBe(
      'readiness,cabinet=BKK-1047-0007,district=1047,readiness=not_ready lat=13.6683,lon=100.6044,' +
        'reason_codes="battery_low,pad_expiry",' +
        'reasons="Pads expired 2 days ago; Battery at 12%, \\"replace\\"; Pads: adult only",' +
        'state="not_ready" 1795665600000',
    )
  })

  it('writes empty reasons for a ready cabinet', () => {
    const line = readinessLine({
      cabinet: 'BKK-1001-0001',
      district: '1001',
      readiness: 'ready',
      reasons: [],
      lat: 13.75,
      lon: 100.5,
      atMs: 1795665600000,
    })
    expect(line).toBe(
      'readiness,cabinet=BKK-1001-0001,district=1001,readiness=ready lat=13.75,lon=100.5,' +
        'reason_codes="",reasons="",state="ready" 1795665600000',
    )
  })
})
