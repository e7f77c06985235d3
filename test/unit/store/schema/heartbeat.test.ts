import { describe, expect, it } from 'vitest'
import type { Heartbeat } from '../../../../gateway/protocol/heartbeat.ts'
import { heartbeatLine, type PointMeta } from '../../../../gateway/store/schema/index.ts'

// 2026-11-26T04:00:00Z, 11:00 in Bangkok
const T = 1795665600000
const meta: PointMeta = {
  cabinet: 'BKK-1047-0007',
  district: '1047',
  timeMs: T,
  receivedMs: T + 1500,
  skewMs: -1500,
  skewed: false,
}

describe('heartbeat line protocol', () => {
  it('writes every field of a full heartbeat with its type, sorted, at the device time in ms', () => {
    const h: Heartbeat = {
      ts: T,
      seq: 1042,
      boot: 'b7',
      battery_pct: 87,
      battery_expiry: '2028-03-01',
      pad_expiry: '2027-05-01',
      pad_type: 'adult',
      door: 'closed',
      aed_present: true,
      temp_c: 31.5,
      self_test: 'pass',
      power: 'mains',
      rssi_dbm: -71,
      fw: '1.4.2',
      interval_s: 60,
    }
    expect(heartbeatLine(h, meta)).toBe(
      'heartbeat,cabinet=BKK-1047-0007,district=1047 aed_present=T,battery_days_left=461i,' +
        'battery_expiry="2028-03-01",battery_pct=87,boot="b7",clock_skew=F,door_open=F,fw="1.4.2",' +
        'interval_s=60i,pad_days_left=156i,pad_expiry="2027-05-01",pad_type="adult",power="mains",' +
        'received_ms=1795665601500i,rssi_dbm=-71i,self_test="pass",seq=1042i,skew_ms=-1500i,temp_c=31.5 ' +
        '1795665600000',
    )
  })

  it('leaves out what a minimal heartbeat does not send', () => {
    const h: Heartbeat = { ts: T, seq: 0, battery_pct: 12.5, pad_expiry: '2026-11-20', door: 'open' }
    expect(heartbeatLine(h, { ...meta, receivedMs: T - 60_000, skewMs: 60_000, skewed: true })).toBe(
      'heartbeat,cabinet=BKK-1047-0007,district=1047 battery_pct=12.5,clock_skew=T,door_open=T,' +
        'pad_days_left=-6i,pad_expiry="2026-11-20",received_ms=1795665540000i,seq=0i,skew_ms=60000i ' +
        '1795665600000',
    )
  })

  it('writes kept unknown keys as x_ fields typed by their value, strings escaped', () => {
    const h: Heartbeat = { ts: T, seq: 1, battery_pct: 90, pad_expiry: '2026-11-26', door: 'closed' }
    const line = heartbeatLine(h, meta, { humidity: 71, note: 'say "hi" \\ bye', ok: true })
    expect(line).toBe(
      'heartbeat,cabinet=BKK-1047-0007,district=1047 battery_pct=90,clock_skew=F,door_open=F,' +
        'pad_days_left=0i,pad_expiry="2026-11-26",received_ms=1795665601500i,seq=1i,skew_ms=-1500i,' +
        'x_humidity=71,x_note="say \\"hi\\" \\\\ bye",x_ok=T 1795665600000',
    )
  })
})
