import { z } from 'zod'

const metres = z.number().positive().max(50_000)

/** `coverage:` in config/default.yaml: nearest-AED estimates and coverage holes (docs/coverage.md). */
export const coverageConfigSchema = z.strictObject({
  /** A usable AED within this walking distance covers a place; past it a failure leaves a hole. */
  radius_m: metres,
  /** Per-district radius (district code → metres), e.g. wider for the rural east. */
  district_radius_m: z.record(z.string().regex(/^10[0-5]\d$/, 'not a Bangkok district code'), metres),
  /** Walking route over great-circle distance. */
  detour_factor: z.number().min(1).max(5),
  walking_speed_mps: z.number().positive().max(10),
  /** How far the coverage impact of a cabinet is looked for; farther counts as no AED at all. */
  impact_search_m: metres,
  /** How often readiness changes of touched cabinets reach the index. */
  refresh_ms: z.number().int().min(10),
  /** How often every cabinet is re-checked (opening hours, time-based rules, registry changes). */
  full_refresh_ms: z.number().int().min(100),
  /** A `coverage` point per district at least this often, besides one on every change. */
  write_interval_ms: z.number().int().min(1000),
  /** How long /feeds/nearest reuses one snapshot of the public feed. */
  public_snapshot_ms: z.number().int().min(0),
})

export type CoverageConfig = z.infer<typeof coverageConfigSchema>

export function radiusFor(config: CoverageConfig, district: string): number {
  return config.district_radius_m[district] ?? config.radius_m
}
