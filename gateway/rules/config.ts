import { z } from 'zod'

// The rules' thresholds (`alerts.rules` in the configuration) and per-cabinet overrides
// (`alerts.overrides`): read by the rules and readiness, assembled into the config by config/.

const ms = z.number().int().min(0)

/** Each rule may require its condition to hold for `for_ms` before it fires (Prometheus `for`). */
const rule = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ for_ms: ms.default(0), ...shape })

export const rulesConfigSchema = z.strictObject({
  battery_low: rule({ warning_pct: z.number().min(0).max(100), critical_pct: z.number().min(0).max(100) }),
  battery_expiry: rule({ warning_days: z.number().int().min(0), major_days: z.number().int().min(0) }),
  pad_expiry: rule({ warning_days: z.number().int().min(0), major_days: z.number().int().min(0) }),
  door_open: rule({}),
  aed_in_use: rule({}),
  door_left_open: rule({ after_ms: ms }),
  aed_missing: rule({ after_ms: ms }),
  offline: rule({
    grace_ms: ms,
    missed_heartbeats: z.number().int().min(1),
    default_heartbeat_interval_s: z.number().int().min(1),
  }),
  temperature: rule({
    warning_above_c: z.number(),
    critical_above_c: z.number(),
    clear_below_c: z.number(),
  }),
  self_test_failed: rule({}),
  self_test_overdue: rule({ after_ms: ms }),
  backup_power: rule({ after_ms: ms }),
  tamper: rule({}),
  clock_skew: rule({}),
})
export type RulesConfig = z.infer<typeof rulesConfigSchema>

/** Per-cabinet overrides: any subset of any rule's keys (no defaults: only what is given overrides). */
export const rulesOverrideSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(rulesConfigSchema.shape).map(([k, v]) => [
      k,
      v.extend({ for_ms: ms }).partial().optional(),
    ]),
  ) as z.ZodRawShape,
)
export type RuleOverrides = z.infer<typeof rulesOverrideSchema>

/** The part of the configuration the rules read. */
export interface RulesSettings {
  rules: RulesConfig
  overrides: Record<string, RuleOverrides>
}
