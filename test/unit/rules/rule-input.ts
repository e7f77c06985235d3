import { loadConfig } from '../../../gateway/config/load.ts'
import type { Reading } from '../../../gateway/ingest/ingest.ts'
import type { RuleInput } from '../../../gateway/rules/types.ts'
import { LiveState } from '../../../gateway/state/live-state.ts'

export const RULES_CONFIG = loadConfig({}).alerts.rules

/** Feeds readings into a real LiveState and gives the rule input for `now`. */
export function inputAfter(readings: Reading[], now: number, th = RULES_CONFIG): RuleInput {
  const state = new LiveState()
  for (const r of readings) state.onReading(r)
  const live = state.get('C-001')
  if (!live) throw new Error('no readings')
  return { cabinet: 'C-001', live, info: { district: '1001' }, now, th }
}
