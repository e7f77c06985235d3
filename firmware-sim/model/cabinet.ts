import type { EventWire, HeartbeatWire } from '../../gateway/protocol/index.ts'
import { bangkokHour, DAY, HOUR, isoDate, MINUTE } from '../clock.ts'
import type { CabinetSpec } from '../fleet.ts'
import { derive, type Random } from '../random.ts'
import { type BatteryState, drain, dueForReplacement, initialBattery, newBattery } from './battery.ts'
import { type CabinetCondition, conditionOf } from './condition.ts'
import { DoorState, type EpisodeKind, episodeSteps } from './door.ts'
import { newPadExpiryMs, padExpiryMs, padsDue, padType } from './pads.ts'
import { DEFAULT_PARAMS, type ModelParams } from './params.ts'
import { type CabinetThermal, cabinetTempC, heatWaveC } from './temperature.ts'

/** What a cabinet does, at a true instant `at` (its payload's `ts` is its own, drifting, clock). */
export type SimOutput =
  | { kind: 'heartbeat'; at: number; payload: HeartbeatWire }
  | { kind: 'event'; at: number; payload: EventWire }
  | { kind: 'network'; at: number; up: boolean }
  | { kind: 'reboot'; at: number }

type Timer = 'heartbeat' | 'selfTest' | 'episode' | 'power' | 'network' | 'reboot'

/**
 * One cabinet's firmware as a state machine over simulated time. `advance(until)` returns what
 * it did up to `until`, in order; nothing reads the wall clock, so a seed gives the same story.
 */
export class CabinetModel {
  readonly id: string
  readonly spec: CabinetSpec
  private readonly seed: number
  private readonly params: ModelParams
  private readonly rnd: Random
  private readonly thermal: CabinetThermal
  private battery: BatteryState
  private readonly condition: CabinetCondition
  /** The device fails its self-tests until a technician repairs it. */
  private deviceFault: boolean
  private readonly door = new DoorState()
  private readonly driftPpm: number
  private readonly rssiBase: number
  private readonly fw: string
  private readonly padType: ReturnType<typeof padType>
  private padExpiry: number
  private now: number
  private readonly startedAt: number
  private bootCount = 0
  private seq = 0
  private power: 'mains' | 'backup' = 'mains'
  private networkUp = true
  private selfTest: 'pass' | 'fail' | 'unknown' = 'unknown'
  private intervalMs: number
  private readonly next: Record<Timer, number>

  constructor(spec: CabinetSpec, seed: number, startMs: number, params: ModelParams = DEFAULT_PARAMS) {
    this.id = spec.registration.id
    this.spec = spec
    this.seed = seed
    this.params = params
    this.rnd = derive(seed, this.id, 'model')
    const setup = derive(seed, this.id, 'setup')
    this.thermal = { outdoor: spec.outdoor, offsetC: setup.normal(0, 1.2) }
    this.condition = conditionOf(spec.condition, params.health, params.padSpread)
    // effective mean temperatures for the drain (it grows faster than linearly with heat)
    const meanC = (spec.outdoor ? 33 : 26) + params.extraHeatC
    this.battery = initialBattery(setup, startMs, meanC, this.condition.batteryBad)
    this.padExpiry = padExpiryMs(setup, startMs, this.condition.padsExpired, params.padSpread)
    this.deviceFault = this.condition.deviceFault
    // the self-test the cabinet last ran before the simulation starts
    this.selfTest = this.deviceFault ? 'fail' : 'pass'
    this.padType = padType(setup)
    this.driftPpm = setup.range(-params.driftPpm, params.driftPpm)
    this.rssiBase = Math.round(setup.normal(-76, 7))
    this.fw = setup.chance(0.8) ? '1.4.2' : '1.3.9'
    this.now = startMs
    this.startedAt = startMs
    this.intervalMs = spec.intervalS * 1000
    this.next = {
      heartbeat: startMs + setup.range(0, this.intervalMs),
      selfTest: this.nextSelfTest(startMs),
      episode: startMs + this.rnd.exp(DAY / this.episodeRate()),
      power: startMs + this.rnd.exp(DAY / params.powerLossPerDay),
      network: startMs + this.rnd.exp(DAY / params.netDropPerDay),
      reboot: startMs + this.rnd.exp(DAY / params.rebootPerDay),
    }
  }

  /** The boot id sent with every message: lets the gateway tell a reboot from a redelivery. */
  get boot(): string {
    return `${this.id}-b${this.bootCount}`
  }

  get online(): boolean {
    return this.networkUp
  }

  get aedPresent(): boolean {
    return this.door.aedPresent
  }

  get batteryPct(): number {
    return this.battery.pct
  }

  get padExpiryDate(): string {
    return isoDate(this.padExpiry)
  }

  /** Changes the heartbeat interval (backfill cadence, or a `set_interval` command). */
  setInterval(seconds: number): void {
    this.intervalMs = seconds * 1000
    this.next.heartbeat = Math.min(this.next.heartbeat, this.now + this.intervalMs)
  }

  /** Starts an episode at `at` (scenarios use this); ignored while another is unfolding. */
  trigger(kind: EpisodeKind, at: number): boolean {
    if (this.door.busy() || this.door.stolen) return false
    this.door.schedule(episodeSteps(kind, Math.max(at, this.now), this.rnd))
    if (kind === 'theft') this.door.stolen = true
    return true
  }

  /** The cabinet's own clock: true time plus drift since start plus any skew it was set with. */
  deviceTime(at: number): number {
    return Math.round(at + ((at - this.startedAt) * this.driftPpm) / 1e6 + this.params.clockSkewMs)
  }

  /** Everything the cabinet does in (now, until], in time order. */
  advance(until: number): SimOutput[] {
    const out: SimOutput[] = []
    for (;;) {
      const [timer, at] = this.earliest()
      const doorAt = this.door.nextAt()
      if (Math.min(at, doorAt) > until) break
      if (doorAt <= at) {
        this.age(doorAt)
        const step = this.door.take()!
        out.push(this.event(doorAt, step.type, step.detail))
        continue
      }
      this.age(at)
      this.fire(timer, at, out)
    }
    this.age(until)
    return out
  }

  private earliest(): [Timer, number] {
    let best: Timer = 'heartbeat'
    for (const k of Object.keys(this.next) as Timer[]) if (this.next[k] < this.next[best]) best = k
    return [best, this.next[best]]
  }

  /** Moves simulated time on, draining the battery at the temperature of the moment. */
  private age(to: number): void {
    if (to <= this.now) return
    this.battery.pct = drain(this.battery, to - this.now, this.tempC(this.now))
    this.now = to
  }

  private tempC(at: number): number {
    return cabinetTempC(at, this.thermal, heatWaveC(this.seed, at) + this.params.extraHeatC)
  }

  private fire(timer: Timer, at: number, out: SimOutput[]): void {
    const p = this.params
    switch (timer) {
      case 'heartbeat': {
        out.push({ kind: 'heartbeat', at, payload: this.heartbeat(at) })
        const j = this.rnd.range(-p.jitter, p.jitter)
        this.next.heartbeat = at + Math.max(50, this.intervalMs * (1 + j))
        return
      }
      case 'selfTest': {
        const heat = this.tempC(at) > 40 ? 3 : 1
        const weak = this.battery.pct < 10 ? 20 : 1
        const failed = this.deviceFault || this.rnd.chance(p.selfTestFailP * heat * weak)
        this.selfTest = failed || !this.door.aedPresent ? 'fail' : 'pass'
        const detail = !this.door.aedPresent
          ? 'no AED in cabinet'
          : this.deviceFault
            ? 'device fault: service required'
            : this.selfTest === 'fail'
              ? 'pad impedance out of range'
              : undefined
        out.push(this.event(at, 'self_test', detail, this.selfTest))
        this.next.selfTest = this.nextSelfTest(at + HOUR)
        return
      }
      case 'episode': {
        const u = this.rnd.next() * this.episodeRate()
        const inspection = this.inspectionRate()
        const kind: EpisodeKind =
          u < p.rescuePerDay
            ? 'rescue'
            : u < p.rescuePerDay + inspection
              ? 'inspection'
              : u < p.rescuePerDay + inspection + p.theftPerDay
                ? 'theft'
                : 'tamper'
        if (this.trigger(kind, at) && kind === 'inspection') this.inspect(at)
        this.next.episode = at + this.rnd.exp(DAY / this.episodeRate())
        return
      }
      case 'power':
        out.push(this.powerChange(at))
        return
      case 'network': {
        this.networkUp = !this.networkUp
        out.push({ kind: 'network', at, up: this.networkUp })
        this.next.network = this.networkUp
          ? at + this.rnd.exp(DAY / p.netDropPerDay)
          : at + this.rnd.range(1, 20) * MINUTE
        return
      }
      case 'reboot':
        this.bootCount++
        this.seq = 0
        out.push({ kind: 'reboot', at })
        this.next.reboot = at + this.rnd.exp(DAY / p.rebootPerDay)
        return
    }
  }

  /** Mains fails, the cabinet runs on its backup cell for 10 min to 4 h, then mains returns. */
  private powerChange(at: number): SimOutput {
    if (this.power === 'mains') {
      this.power = 'backup'
      this.next.power = at + this.rnd.range(10 * MINUTE, 4 * HOUR)
      return this.event(at, 'power_lost')
    }
    this.power = 'mains'
    this.next.power = at + this.rnd.exp(DAY / this.params.powerLossPerDay)
    return this.event(at, 'power_restored')
  }

  /**
   * An inspection visit: the technician replaces a battery that is low or near its use-by date,
   * pads due within 60 days, and repairs a device whose self-test fails (the next self-test
   * reports it). Battery level and use-by date of the replacement are new together.
   */
  private inspect(at: number): void {
    if (dueForReplacement(this.battery, at)) this.battery = newBattery(this.rnd, at)
    if (padsDue(this.padExpiry, at)) this.padExpiry = newPadExpiryMs(this.rnd, at)
    this.deviceFault = false
  }

  /** Monthly rounds; a neglected cabinet is visited rarely (it is why it is in that state). */
  private inspectionRate(): number {
    const p = this.params
    return this.condition.neglected ? p.inspectionPerDay * p.neglectedInspection : p.inspectionPerDay
  }

  private episodeRate(): number {
    const p = this.params
    return p.rescuePerDay + this.inspectionRate() + p.theftPerDay + p.tamperPerDay
  }

  /** Self-tests run daily around 03:00 Bangkok time. */
  private nextSelfTest(after: number): number {
    const h = bangkokHour(after)
    const toThree = ((3 - h + 24) % 24) * HOUR
    return after + toThree + this.rnd.range(0, 10) * MINUTE
  }

  private heartbeat(at: number): HeartbeatWire {
    return {
      ts: new Date(this.deviceTime(at)).toISOString(),
      seq: this.seq++,
      boot: this.boot,
      battery_pct: Math.round(this.battery.pct * 10) / 10,
      battery_expiry: isoDate(this.battery.expiryMs),
      pad_expiry: isoDate(this.padExpiry),
      pad_type: this.padType,
      door: this.door.door,
      aed_present: this.door.aedPresent,
      temp_c: Math.round(this.tempC(at) * 10) / 10,
      self_test: this.selfTest,
      power: this.power,
      rssi_dbm: Math.max(-120, Math.min(-40, Math.round(this.rssiBase + this.rnd.normal(0, 3)))),
      fw: this.fw,
      interval_s: Math.max(1, Math.round(this.intervalMs / 1000)),
    }
  }

  private event(at: number, type: EventWire['type'], detail?: string, result?: 'pass' | 'fail'): SimOutput {
    const payload: EventWire = {
      ts: new Date(this.deviceTime(at)).toISOString(),
      seq: this.seq++,
      boot: this.boot,
      type,
    }
    if (detail) payload.detail = detail
    if (result) payload.result = result
    return { kind: 'event', at, payload }
  }
}
