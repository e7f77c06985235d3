import type { FireInput } from '../alerts/lifecycle.ts'
import { RULE_BY_TYPE } from '../rules/index.ts'
import { SEVERITIES, type Severity } from '../rules/types.ts'

/** What a cabinet's failure costs: how far the nearest other usable AED is. */
export interface CoverageImpact {
  /** Walking estimate to the nearest other usable AED; null: none within the search distance. */
  walking_distance_m: number | null
  radius_m: number
  /** No other usable AED within the radius: this cabinet's failure leaves a hole. */
  hole: boolean
}

/** One level up, critical staying critical. */
export function raiseSeverity(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.indexOf(s) + 1, SEVERITIES.length - 1)] as Severity
}

/**
 * Whether an alert of this type at this severity makes its cabinet unusable, by the same mapping
 * readiness uses (state/readiness.ts): in_use and offline always; other rules when critical
 * (not_ready). Lesser ones leave it degraded, still usable.
 */
export function makesUnusable(type: string, severity: Severity): boolean {
  const rule = RULE_BY_TYPE.get(type)
  if (!rule) return false
  return rule.readiness !== 'by_severity' || severity === 'critical'
}

/**
 * An alert about to be raised, seen with its coverage impact: one that makes the cabinet unusable
 * carries label `coverage_hole` ("true"/"false", for routes, silences and inhibition) and facts
 * `coverage_impact_m`, `coverage_radius_m`; a hole raises its severity one level.
 */
export function withCoverageImpact(input: FireInput, impact: CoverageImpact | null): FireInput {
  if (!impact || !makesUnusable(input.type, input.verdict.severity)) return input
  const v = input.verdict
  const facts = {
    ...v.facts,
    coverage_impact_m: impact.walking_distance_m,
    coverage_radius_m: impact.radius_m,
  }
  return {
    ...input,
    verdict: { ...v, facts, severity: impact.hole ? raiseSeverity(v.severity) : v.severity },
    labels: { ...input.labels, coverage_hole: impact.hole ? 'true' : 'false' },
  }
}
