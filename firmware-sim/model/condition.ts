import type { PadSpread } from './pads.ts'

/**
 * How a fleet is found on inspection. Defaults from Seoul's public AEDs, inspected yearly
 * 2013-2017 (Sci Rep 2022, 23,619 AEDs): 94-97.6 % in normal operation, good battery
 * 95.6-96.8 %, electrodes within date 87-90 % (`PadSpread.expired`), 15.4 % not ready to use
 * overall. Problems cluster in neglected cabinets (one with expired pads is likelier to have a
 * flat battery too), so the shares overlap and their union is `notReady`. The defaults sit a
 * little under the published shares: day-to-day failures (a self-test failing in the heat, pads
 * expiring between two visits) add about one point on top in a running fleet.
 */
export interface FleetHealth {
  /** Battery flat or past its use-by date. */
  batteryBad: number
  /** Self-test fails: the device needs repair. */
  deviceFault: number
  /** Any of the above, or pads out of date. */
  notReady: number
}

export const DEFAULT_FLEET_HEALTH: FleetHealth = { batteryBad: 0.04, deviceFault: 0.035, notReady: 0.145 }

export interface CabinetCondition {
  /** Not visited on the monthly round: nothing gets replaced until its next (rare) visit. */
  neglected: boolean
  batteryBad: boolean
  padsExpired: boolean
  deviceFault: boolean
}

/**
 * A cabinet's condition from its quantile `u` in [0, 1) (the fleet spreads quantiles evenly, see
 * `conditionQuantile`). The failing cabinets are the ones with u < notReady: flat batteries at
 * the bottom, device faults at the top of that range, expired pads across the middle, overlapping
 * both so that the union is `notReady`.
 */
export function conditionOf(u: number, health: FleetHealth, pads: PadSpread): CabinetCondition {
  const gap = Math.max(0, health.notReady - health.batteryBad - health.deviceFault)
  const overlap = Math.max(0, pads.expired - gap)
  const padStart = Math.max(0, health.batteryBad - overlap / 2)
  return {
    neglected: u < Math.max(health.notReady, padStart + pads.expired),
    batteryBad: u < health.batteryBad,
    padsExpired: u >= padStart && u < padStart + pads.expired,
    deviceFault: u >= health.notReady - health.deviceFault && u < health.notReady,
  }
}

const GOLDEN = 0.6180339887498949

/**
 * The `index`-th cabinet's quantile: a golden-ratio (Kronecker) sequence, rotated by the seed. Any
 * first N cabinets cover [0, 1) almost evenly, so a fleet of 300 has its shares to within a
 * cabinet or two, where independent draws would miss them by ±1-2 percentage points.
 */
export function conditionQuantile(index: number, rotation: number): number {
  const x = rotation + index * GOLDEN
  return x - Math.floor(x)
}
