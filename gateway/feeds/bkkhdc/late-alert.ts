import type { AlertLifecycle } from '../../alerts/lifecycle.ts'
import { GATEWAY_SUBJECT } from '../../alerts/storage-health.ts'
import { fire } from '../../rules/types.ts'
import type { LateBuild } from './exports.ts'

/** The gateway's own alert while the scheduled BKKHDC build is late (docs/alerts.md). */
export const BKKHDC_BUILD_LATE = 'bkkhdc_build_late'

/**
 * Raises `bkkhdc_build_late` for city operations (major: the health data centre waits for the
 * month) while a scheduled build fails and is retried, and resolves it once the month is built.
 */
export function lateBuildAlert(
  lifecycle: Pick<AlertLifecycle, 'fire' | 'clear'>,
): (late: LateBuild | null) => void {
  return (late) => {
    if (!late) {
      lifecycle.clear(GATEWAY_SUBJECT, BKKHDC_BUILD_LATE)
      return
    }
    const summary =
      `BKKHDC dataset for ${late.month} not built: ${late.error}; ` +
      `attempt ${late.attempts + 1} at ${new Date(late.next_attempt_ms).toISOString()}`
    lifecycle.fire({
      cabinet: GATEWAY_SUBJECT,
      type: BKKHDC_BUILD_LATE,
      team: 'city_ops',
      district: 'all',
      verdict: fire('major', summary, late.since_ms, { month: late.month, attempts: late.attempts }),
    })
  }
}
