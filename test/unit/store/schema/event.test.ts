import { describe, expect, it } from 'vitest'
import { eventLine, type PointMeta } from '../../../../gateway/store/schema/index.ts'

const T = 1795665600000
const meta: PointMeta = {
  cabinet: 'BKK-1047-0007',
  district: '1047',
  timeMs: T,
  receivedMs: T + 40,
  skewMs: -40,
  skewed: false,
}

describe('event line protocol', () => {
  it('tags the event type and quotes and escapes its free-text detail', () => {
    const line = eventLine(
      { ts: T, seq: 12, type: 'self_test', result: 'fail', detail: 'pad, check "connector" \\ now' },
      meta,
    )
    expect(line).toBe(
      'event,cabinet=BKK-1047-0007,district=1047,type=self_test clock_skew=F,' +
        'detail="pad, check \\"connector\\" \\\\ now",received_ms=1795665600040i,result="fail",' +
        'seq=12i,skew_ms=-40i 1795665600000',
    )
  })

  it('writes the boot id when sent and nothing for an absent result or detail', () => {
    expect(eventLine({ ts: T, seq: 3, boot: 'b7', type: 'door_open' }, meta)).toBe(
      'event,cabinet=BKK-1047-0007,district=1047,type=door_open boot="b7",clock_skew=F,' +
        'received_ms=1795665600040i,seq=3i,skew_ms=-40i 1795665600000',
    )
  })
})
