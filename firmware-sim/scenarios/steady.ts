import type { Scenario } from './scenario.ts'

/** `default`: a steady fleet, everything at its everyday rate. */
export const steady: Scenario = {
  name: 'default',
  summary: 'a steady fleet: heartbeats, monthly inspections, the odd rescue, network drop or power cut',
  params: (base) => base,
}

/** `heatwave`: 5 °C above the weather city-wide; outdoor cabinets in the sun pass 45 °C. */
export const heatwave: Scenario = {
  name: 'heatwave',
  summary: 'a heat wave: +5 °C on the weather, outdoor cabinets pass 45 °C, batteries drain faster',
  params: (base) => ({ ...base, extraHeatC: 5 }),
}

/** `expiry`: many pads expired or due within 30 days, for the maintenance work list. */
export const expiry: Scenario = {
  name: 'expiry',
  summary: 'many pads due: 15% already expired, 35% expiring within 30 days',
  params: (base) => ({ ...base, padSpread: { expired: 0.15, within30: 0.35 } }),
}
