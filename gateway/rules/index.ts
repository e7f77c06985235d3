import { aedInUse } from './aed-in-use.ts'
import { aedMissing } from './aed-missing.ts'
import { backupPower } from './backup-power.ts'
import { batteryExpiry } from './battery-expiry.ts'
import { batteryLow } from './battery-low.ts'
import { clockSkew } from './clock-skew.ts'
import { doorLeftOpen } from './door-left-open.ts'
import { doorOpen } from './door-open.ts'
import { offline } from './offline.ts'
import { padExpiry } from './pad-expiry.ts'
import { selfTestFailed } from './self-test-failed.ts'
import { selfTestOverdue } from './self-test-overdue.ts'
import { tamper } from './tamper.ts'
import { temperature } from './temperature.ts'
import type { Rule } from './types.ts'

/** Every rule, in no particular order: each is independent of the others. */
export const RULES: readonly Rule[] = [
  batteryLow,
  batteryExpiry,
  padExpiry,
  doorOpen,
  aedInUse,
  doorLeftOpen,
  aedMissing,
  offline,
  temperature,
  selfTestFailed,
  selfTestOverdue,
  backupPower,
  tamper,
  clockSkew,
]

export const RULE_BY_TYPE: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.type, r]))

/** Not a per-cabinet rule: raised by the evaluator from the offline alerts of a district. */
export const DISTRICT_OUTAGE = 'district_outage'
