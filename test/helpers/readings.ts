import type { Reading } from '../../gateway/ingest/ingest.ts'
import type { CabinetEvent } from '../../gateway/protocol/event.ts'
import type { Heartbeat } from '../../gateway/protocol/heartbeat.ts'

/** A fake clock tests move by hand. */
export class FakeClock {
  now: number
  constructor(start = Date.UTC(2026, 10, 26, 4, 0, 0)) {
    this.now = start
  }
  readonly fn = (): number => this.now
  advance(ms: number): number {
    this.now += ms
    return this.now
  }
}

function meta(cabinet: string, at: number, skewMs = 0) {
  return { cabinet, district: '1001', timeMs: at, receivedMs: at, skewMs, skewed: skewMs > 300_000 }
}

export function hbReading(cabinet: string, at: number, h: Partial<Heartbeat> = {}, skewMs = 0): Reading {
  const value: Heartbeat = {
    ts: at,
    seq: 1,
    battery_pct: 87,
    pad_expiry: '2027-05-01',
    door: 'closed',
    aed_present: true,
    temp_c: 31.5,
    self_test: 'pass',
    power: 'mains',
    ...h,
  }
  return { kind: 'heartbeat', cabinet, value, meta: meta(cabinet, at, skewMs) }
}

export function evReading(
  cabinet: string,
  at: number,
  type: CabinetEvent['type'],
  extra: Partial<CabinetEvent> = {},
): Reading {
  return { kind: 'event', cabinet, value: { ts: at, seq: 2, type, ...extra }, meta: meta(cabinet, at) }
}

export function statusReading(cabinet: string, at: number, value: 'online' | 'offline'): Reading {
  return { kind: 'status', cabinet, value, meta: meta(cabinet, at) }
}
