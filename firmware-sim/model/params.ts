import { DEFAULT_FLEET_HEALTH, type FleetHealth } from './condition.ts'
import { DEFAULT_PAD_SPREAD, type PadSpread } from './pads.ts'

/**
 * How often things happen to one cabinet (events per cabinet per day) and other knobs that
 * scenarios turn. Defaults are a plausible steady fleet: a rescue every few months, a monthly
 * inspection (that replaces a low battery and pads due soon), mains cuts a few times a year in the rainy season, a flaky mobile link.
 */
export interface ModelParams {
  rescuePerDay: number
  inspectionPerDay: number
  theftPerDay: number
  tamperPerDay: number
  powerLossPerDay: number
  netDropPerDay: number
  rebootPerDay: number
  /** Chance a daily self-test fails (more likely with a weak battery or in heat). */
  selfTestFailP: number
  /** Extra °C on top of the weather (heat-wave scenario). */
  extraHeatC: number
  padSpread: PadSpread
  /** How the fleet is found: shares of flat batteries, device faults, not ready overall. */
  health: FleetHealth
  /** A neglected cabinet's inspection rate as a share of `inspectionPerDay`. */
  neglectedInspection: number
  /** Largest clock drift, in parts per million (cheap RTC crystals: ±20-50 ppm). */
  driftPpm: number
  /** A fixed offset of the cabinet's clock (chaos: clocks set wrong). */
  clockSkewMs: number
  /** Heartbeat jitter as a share of the interval. */
  jitter: number
}

export const DEFAULT_PARAMS: ModelParams = {
  rescuePerDay: 1 / 90,
  inspectionPerDay: 1 / 30,
  theftPerDay: 1 / 2000,
  tamperPerDay: 1 / 365,
  powerLossPerDay: 1 / 60,
  netDropPerDay: 1 / 7,
  rebootPerDay: 1 / 45,
  selfTestFailP: 0.004,
  extraHeatC: 0,
  padSpread: DEFAULT_PAD_SPREAD,
  health: DEFAULT_FLEET_HEALTH,
  neglectedInspection: 0.02,
  driftPpm: 30,
  clockSkewMs: 0,
  jitter: 0.05,
}
