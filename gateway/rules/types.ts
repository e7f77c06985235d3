import { SEVERITIES, type Severity } from '../protocol/severity.ts'
import type { CabinetLive } from '../state/live-state.ts'
import type { RulesConfig } from './config.ts'

export { SEVERITIES, type Severity }

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s)
}

export type Team = 'city_ops' | 'maintenance'

/** What a rule knows about a cabinet besides its live state. */
export interface CabinetInfo {
  district: string
  heartbeat_interval_s?: number | undefined
}

/** A rule's input: the cabinet's live state (the reading already folded in), the time, thresholds. */
export interface RuleInput {
  cabinet: string
  live: CabinetLive
  info: CabinetInfo | null
  now: number
  th: RulesConfig
}

export interface Firing {
  fire: true
  severity: Severity
  /** One line, English, for lists and logs; the notifier renders the full message. */
  summary: string
  /** When the condition started (a trigger newer than a person's resolution reopens the alert). */
  since: number
  facts: Record<string, string | number | boolean | null>
}

/** keep: neither firing nor cleared (a hysteresis band, or not enough data to tell). */
export type Verdict = Firing | { fire: false; keep: boolean }

export interface Rule {
  type: string
  team: Team
  /** A person may resolve it while its condition still holds (otherwise it resolves itself). */
  manualResolve: boolean
  /** What a firing verdict does to readiness (by_severity: critical → not_ready, else degraded). */
  readiness: 'in_use' | 'offline' | 'by_severity'
  holdMs(th: RulesConfig): number
  evaluate(input: RuleInput): Verdict
}

export const CLEAR: Verdict = { fire: false, keep: false }
export const KEEP: Verdict = { fire: false, keep: true }

export function fire(
  severity: Severity,
  summary: string,
  since: number,
  facts: Firing['facts'] = {},
): Firing {
  return { fire: true, severity, summary, since, facts }
}

const DAY_MS = 86_400_000
// Bangkok keeps UTC+7 all year: calendar days are counted in its local time.
const BANGKOK_OFFSET_MS = 7 * 3_600_000

/** Calendar days from the Bangkok date of `nowMs` to `date` (0 on the day, negative after). */
export function daysLeft(date: string, nowMs: number): number {
  const today = Math.floor((nowMs + BANGKOK_OFFSET_MS) / DAY_MS)
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS) - today
}
