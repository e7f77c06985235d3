import type { Severity } from '../rules/types.ts'

export type AlertState = 'active' | 'acknowledged' | 'resolved'
export type Labels = Record<string, string>

/** One alert per (cabinet, type) while open; a resolved one may be reopened within a window. */
export interface Alert {
  id: string
  cabinet_id: string
  type: string
  severity: Severity
  state: AlertState
  team: string
  assignee: string | null
  /** cabinet, district, type, severity, team: what routing, silences and inhibition match on. */
  labels: Labels
  summary: string
  facts: Record<string, string | number | boolean | null>
  started_ms: number
  /** When it last became active (opened or reopened): escalation counts from here. */
  active_since_ms: number
  updated_ms: number
  acknowledged_ms: number | null
  acknowledged_by: string | null
  resolved_ms: number | null
  resolved_by: string | null
  reopen_count: number
  /** Escalation steps already taken. */
  escalation_level: number
}

export type TransitionKind =
  | 'open'
  | 'severity'
  | 'acknowledge'
  | 'resolve'
  | 'reopen'
  | 'assign'
  | 'escalate'
  | 'comment'

export interface Transition {
  alert_id: string
  at_ms: number
  kind: TransitionKind
  from_state: AlertState | null
  to_state: AlertState
  severity: Severity
  by: string
  comment: string | null
}

export const SYSTEM = 'system'

export function alertKey(cabinet: string, type: string): string {
  return `${cabinet}\u0000${type}`
}

/** Where alert transitions are announced (wiring/alerting.ts `events`). */
export interface AlertEvents {
  on(event: 'transition', listener: (a: Alert, t: Transition) => void): unknown
  off(event: 'transition', listener: (a: Alert, t: Transition) => void): unknown
}
