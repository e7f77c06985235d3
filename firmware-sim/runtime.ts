import type { Clock } from './clock.ts'
import type { CabinetSpec } from './fleet.ts'
import type { CabinetLink } from './link.ts'
import type { CabinetModel, SimOutput } from './model/cabinet.ts'

/** A simulated cabinet: its registration, its firmware model and its MQTT session. */
export interface SimCabinet {
  spec: CabinetSpec
  model: CabinetModel
  link: CabinetLink
  /** The last heartbeat sent, as bytes on the wire (chaos re-sends it as a duplicate). */
  lastHeartbeat?: string
}

/** Hands one model output to the cabinet's link. */
export function dispatch(cab: SimCabinet, out: SimOutput, opts: { history: boolean }): void {
  switch (out.kind) {
    case 'heartbeat': {
      const payload = JSON.stringify(out.payload)
      cab.lastHeartbeat = payload
      cab.link.publish('heartbeat', payload)
      return
    }
    case 'event':
      cab.link.publish('event', JSON.stringify(out.payload))
      return
    case 'network':
      // history is published over a healthy link; only live drops touch the socket
      if (!opts.history) cab.link.setNetwork(out.up)
      return
    case 'reboot':
      if (!opts.history) cab.link.reboot()
      return
  }
}

/**
 * Runs the fleet in real time: every tick each model catches up to the clock and its outputs go
 * to its link. One timer for the whole fleet keeps thousands of cabinets cheap.
 */
export class FleetRunner {
  private readonly cabinets: readonly SimCabinet[]
  private readonly clock: Clock
  private readonly tickMs: number
  private timer: NodeJS.Timeout | null = null

  constructor(cabinets: readonly SimCabinet[], clock: Clock, tickMs = 250) {
    this.cabinets = cabinets
    this.clock = clock
    this.tickMs = tickMs
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.tickMs)
  }

  tick(): void {
    const now = this.clock()
    for (const cab of this.cabinets) {
      for (const out of cab.model.advance(now)) dispatch(cab, out, { history: false })
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }
}
