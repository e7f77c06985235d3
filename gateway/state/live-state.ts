import type { Reading } from '../ingest/ingest.ts'
import type { CabinetEvent } from '../protocol/event.ts'
import type { Heartbeat } from '../protocol/heartbeat.ts'

export interface CabinetLive {
  connected: boolean
  /** Gateway time of the last message or connection change. */
  last_seen_ms: number | null
  last_heartbeat: Heartbeat | null
  last_event: CabinetEvent | null
  status: 'online' | 'offline' | null
}

/**
 * Live view of each cabinet as the gateway last saw it: the one source the API and feeds read.
 * Fed only with readings already committed to the outbox.
 */
export class LiveState {
  private readonly cabinets = new Map<string, CabinetLive>()

  get(id: string): CabinetLive | undefined {
    return this.cabinets.get(id)
  }

  private entry(id: string): CabinetLive {
    let c = this.cabinets.get(id)
    if (!c) {
      c = { connected: false, last_seen_ms: null, last_heartbeat: null, last_event: null, status: null }
      this.cabinets.set(id, c)
    }
    return c
  }

  onReading(r: Reading): void {
    const c = this.entry(r.cabinet)
    c.last_seen_ms = Math.max(c.last_seen_ms ?? 0, r.meta.receivedMs)
    if (r.kind === 'heartbeat') {
      // late (buffered) heartbeats must not replace a newer one
      if (!c.last_heartbeat || c.last_heartbeat.ts <= r.value.ts) c.last_heartbeat = r.value
    } else if (r.kind === 'event') {
      if (!c.last_event || c.last_event.ts <= r.value.ts) c.last_event = r.value
    } else c.status = r.value
  }

  onConnection(id: string, connected: boolean, atMs: number): void {
    const c = this.entry(id)
    c.connected = connected
    c.last_seen_ms = atMs
  }
}
