import { chaos } from './chaos.ts'
import { emergency, outage, theft } from './incidents.ts'
import type { Scenario } from './scenario.ts'
import { expiry, heatwave, steady } from './steady.ts'

export type { Scenario, ScenarioContext } from './scenario.ts'

/** Every named scenario, as `--scenario NAME` knows them. */
export const SCENARIOS: readonly Scenario[] = [steady, emergency, heatwave, outage, expiry, theft, chaos]

export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name)
  if (!s) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((x) => x.name).join(', ')}`)
  return s
}
