import { describe, expect, it } from 'vitest'
import { type GatewaySnapshot, gatewayLines } from '../../../../gateway/store/schema/index.ts'

const T = 1795665600000
const snapshot: GatewaySnapshot = {
  received_total: 1200,
  accepted_total: 1190,
  rejected_total: 10,
  duplicates_total: 3,
  quarantined_total: 10,
  influx_lines_total: 1187,
  influx_write_failures_total: 1,
  outbox_depth: 5,
  outbox_bytes: 640,
  outbox_oldest_age_s: 0.25,
  connected: 42,
  influx_write_p50_ms: null,
  influx_write_p99_ms: 12.5,
  rejected_by_reason: {},
}

describe('gateway line protocol', () => {
  it('writes counters and gauges as integers, ages and latencies as floats, no absent quantile', () => {
    expect(gatewayLines(snapshot, 'gw-1', T)).toEqual([
      'gateway,instance=gw-1 accepted_total=1190i,connected=42i,duplicates_total=3i,' +
        'influx_lines_total=1187i,influx_write_failures_total=1i,influx_write_p99_ms=12.5,' +
        'outbox_bytes=640i,outbox_depth=5i,outbox_oldest_age_s=0.25,quarantined_total=10i,' +
        'received_total=1200i,rejected_total=10i 1795665600000',
    ])
  })

  it('escapes spaces, commas and equals signs in the instance tag', () => {
    const [line] = gatewayLines({ ...snapshot, influx_write_p50_ms: 2 }, 'edge 1,rack=b', T)
    expect(line?.startsWith('gateway,instance=edge\\ 1\\,rack\\=b accepted_total=1190i,')).toBe(true)
    expect(line).toContain(',influx_write_p50_ms=2,influx_write_p99_ms=12.5,')
  })
})

describe('gateway_rejections line protocol', () => {
  it('writes one point per rejection reason after the gateway point', () => {
    const lines = gatewayLines(
      { ...snapshot, rejected_by_reason: { invalid_json: 7, invalid_payload: 3 } },
      'gw-1',
      T,
    )
    expect(lines.slice(1)).toEqual([
      'gateway_rejections,instance=gw-1,reason=invalid_json total=7i 1795665600000',
      'gateway_rejections,instance=gw-1,reason=invalid_payload total=3i 1795665600000',
    ])
  })
})
