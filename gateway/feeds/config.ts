import { validate } from 'node-cron'
import { z } from 'zod'
import { secureUrl } from '../config/urls.ts'

const nullableString = z.string().min(1).nullable()
const ms = z.number().int().min(1)

/** `feeds:` in config/default.yaml: readiness history, health-map feed, BKKHDC dataset. */
export const feedsConfigSchema = z.strictObject({
  readiness_interval_ms: z.number().int().min(100),
  late_history: z.strictObject({
    late_after_ms: ms,
    settle_ms: z.number().int().min(0),
    lookback_ms: z.number().int().min(0),
    step_ms: z.number().int().min(1000),
    max_cabinets_per_tick: z.number().int().min(1),
  }),
  healthmap: z.strictObject({
    cache_max_age_s: z.number().int().min(0),
    snapshot_interval_ms: z.number().int().min(1000),
    include_private: z.boolean(),
    public_id_key_version: z.number().int().min(1),
    push_url: secureUrl.nullable(),
    push_token: nullableString,
    push_debounce_ms: z.number().int().min(100),
    push_timeout_ms: z.number().int().min(100),
  }),
  bkkhdc: z.strictObject({
    url: secureUrl.nullable(),
    token: nullableString,
    schedule: z
      .string()
      .refine((s) => s.trim().split(/\s+/).length === 5 && validate(s), 'not a 5-field cron expression')
      .nullable(),
    retry_base_ms: ms,
    retry_max_ms: ms,
    give_up_after_ms: z.number().int().min(0),
    tick_ms: z.number().int().min(10),
    timeout_ms: z.number().int().min(100),
  }),
})

export type FeedsConfig = z.infer<typeof feedsConfigSchema>
