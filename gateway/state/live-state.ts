import type { Reading } from '../ingest/ingest.ts'
import type { CabinetEvent } from '../protocol/event.ts'
import type { Heartbeat } from '../protocol/heartbeat.ts'

export interface CabinetLive {
  connected: boolean
  /** Gateway time of the last message or connection change. */
  last_seen_ms: number | null
  first_seen_ms: number | null
  last_heartbeat: Heartbeat | null
  /** Gateway time the last heartbeat arrived (missing-heartbeat detection). */
  last_heartbeat_ms: number | null
  last_event: CabinetEvent | null
  status: 'online' | 'offline' | null
  /** Since when the cabinet is unreachable (last will, `offline` status, lost connection). */
  offline_since_ms: number | null
  door: 'open' | 'closed' | null
  door_open_since_ms: number | null
  aed_present: boolean | null
  aed_removed_since_ms: number | null
  power: 'mains' | 'battery' | 'backup' | null
  on_backup_since_ms: number | null
  self_test: 'pass' | 'fail' | 'running' | 'unknown' | null
  last_self_test_ms: number | null
  tamper_at_ms: number | null
  tamper_detail: string | null
  clock_skewed: boolean
  clock_skew_ms: number | null
  /** Point time of the newest reading applied to the fields above: older (buffered) ones are history only. */
  state_ms: number
  /** [time ms, battery %], one per forecast sample interval, oldest first. */
  battery_samples: Array<[number, number]>
}

export interface LiveStateOptions {
  /** Minimum time between two battery samples kept for the forecast. */
  sampleIntervalMs: number
  /** Samples older than this (relative to the newest) are dropped. */
  sampleWindowMs: number
}

function blank(): CabinetLive {
  return {
    connected: false,
    last_seen_ms: null,
    first_seen_ms: null,
    last_heartbeat: null,
    last_heartbeat_ms: null,
    last_event: null,
    status: null,
    offline_since_ms: null,
    door: null,
    door_open_since_ms: null,
    aed_present: null,
    aed_removed_since_ms: null,
    power: null,
    on_backup_since_ms: null,
    self_test: null,
    last_self_test_ms: null,
    tamper_at_ms: null,
    tamper_detail: null,
    clock_skewed: false,
    clock_skew_ms: null,
    state_ms: 0,
    battery_samples: [],
  }
}

const DEFAULTS: LiveStateOptions = { sampleIntervalMs: 3_600_000, sampleWindowMs: 14 * 86_400_000 }

/**
 * Live view of each cabinet as the gateway last saw it: the one source the API, feeds, rules and
 * console read. Fed with heartbeats and statuses once committed to the outbox, with events as soon
 * as they are valid (ingest/pipeline.ts). Changed cabinets are
 * marked dirty; StateStore saves them on its own schedule, never on the message path.
 */
export class LiveState {
  private readonly cabinets = new Map<string, CabinetLive>()
  private readonly dirty = new Set<string>()
  private readonly opts: LiveStateOptions

  constructor(opts: Partial<LiveStateOptions> = {}) {
    this.opts = { ...DEFAULTS, ...opts }
  }

  get(id: string): CabinetLive | undefined {
    return this.cabinets.get(id)
  }

  ids(): IterableIterator<string> {
    return this.cabinets.keys()
  }

  /** Restores a saved cabinet (StateStore.load). */
  restore(id: string, live: CabinetLive): void {
    this.cabinets.set(id, { ...blank(), ...live })
  }

  /** Cabinets changed since the last call. */
  takeDirty(): string[] {
    const out = [...this.dirty]
    this.dirty.clear()
    return out
  }

  private entry(id: string): CabinetLive {
    let c = this.cabinets.get(id)
    if (!c) {
      c = blank()
      this.cabinets.set(id, c)
    }
    this.dirty.add(id)
    return c
  }

  onReading(r: Reading): void {
    const c = this.entry(r.cabinet)
    const recv = r.meta.receivedMs
    c.last_seen_ms = Math.max(c.last_seen_ms ?? 0, recv)
    c.first_seen_ms ??= recv
    if (r.kind === 'status') {
      c.status = r.value
      if (r.value === 'offline') c.offline_since_ms ??= recv
      else c.offline_since_ms = null
      return
    }
    // a message proves the cabinet is reachable
    c.offline_since_ms = null
    c.clock_skewed = r.meta.skewed
    c.clock_skew_ms = r.meta.skewMs
    const t = r.meta.timeMs
    const current = t >= c.state_ms
    if (r.kind === 'heartbeat') {
      c.last_heartbeat_ms = recv
      this.sampleBattery(c, t, r.value.battery_pct)
      if (!current) return
      c.state_ms = t
      c.last_heartbeat = r.value
      this.applyHeartbeat(c, r.value, t)
    } else {
      if (!current) return
      c.state_ms = t
      c.last_event = r.value
      this.applyEvent(c, r.value, t)
    }
  }

  onConnection(id: string, connected: boolean, atMs: number): void {
    const c = this.entry(id)
    c.connected = connected
    c.last_seen_ms = atMs
    c.first_seen_ms ??= atMs
    if (connected) c.offline_since_ms = null
    else c.offline_since_ms ??= atMs
  }

  /** After a restart every connection is gone: cabinets count as disconnected from `atMs`. */
  markAllDisconnected(atMs: number): void {
    for (const [id, c] of this.cabinets) {
      if (!c.connected) continue
      c.connected = false
      c.offline_since_ms ??= atMs
      this.dirty.add(id)
    }
  }

  private setDoor(c: CabinetLive, door: 'open' | 'closed', t: number): void {
    if (door === 'open' && c.door !== 'open') c.door_open_since_ms = t
    if (door === 'closed') c.door_open_since_ms = null
    c.door = door
  }

  private setAed(c: CabinetLive, present: boolean, t: number): void {
    if (!present && c.aed_present !== false) c.aed_removed_since_ms = t
    if (present) c.aed_removed_since_ms = null
    c.aed_present = present
  }

  private setPower(c: CabinetLive, power: 'mains' | 'battery' | 'backup', t: number): void {
    if (power !== 'mains' && (c.power === 'mains' || c.power === null)) c.on_backup_since_ms = t
    if (power === 'mains') c.on_backup_since_ms = null
    c.power = power
  }

  private applyHeartbeat(c: CabinetLive, h: Heartbeat, t: number): void {
    this.setDoor(c, h.door, t)
    if (h.aed_present !== undefined) this.setAed(c, h.aed_present, t)
    if (h.power !== undefined) this.setPower(c, h.power, t)
    if (h.self_test !== undefined) {
      // a heartbeat carries the last self-test's result: a new result (or one running) is a new test
      if (h.self_test === 'running' || (h.self_test !== c.self_test && h.self_test !== 'unknown'))
        c.last_self_test_ms = t
      if (h.self_test !== 'running') c.self_test = h.self_test
    }
    // the cabinet's own record of when it last tested itself, when it sends one
    if (h.self_test_at !== undefined && h.self_test_at <= t)
      c.last_self_test_ms = Math.max(c.last_self_test_ms ?? 0, h.self_test_at)
  }

  private applyEvent(c: CabinetLive, e: CabinetEvent, t: number): void {
    switch (e.type) {
      case 'door_open':
        this.setDoor(c, 'open', t)
        return
      case 'door_closed':
        this.setDoor(c, 'closed', t)
        return
      case 'aed_removed':
        this.setAed(c, false, t)
        return
      case 'aed_returned':
        this.setAed(c, true, t)
        return
      case 'power_lost':
        this.setPower(c, 'battery', t)
        return
      case 'power_restored':
        this.setPower(c, 'mains', t)
        return
      case 'tamper':
        c.tamper_at_ms = t
        c.tamper_detail = e.detail ?? null
        return
      case 'self_test':
        c.last_self_test_ms = t
        if (e.result) c.self_test = e.result
        return
    }
  }

  private sampleBattery(c: CabinetLive, t: number, pct: number): void {
    const s = c.battery_samples
    const last = s[s.length - 1]
    if (last && pct > last[1] + 5)
      s.length = 0 // a replaced or recharged battery starts a new trend
    else if (last && t - last[0] < this.opts.sampleIntervalMs) return
    s.push([t, pct])
    while (s.length > 0 && t - (s[0] as [number, number])[0] > this.opts.sampleWindowMs) s.shift()
  }
}
