import { randomBytes } from 'node:crypto'
import type { Severity } from '../rules/types.ts'
import type { Alert, Labels } from './types.ts'

export interface NewAlert {
  cabinet: string
  district: string
  type: string
  severity: Severity
  team: string
  summary: string
  facts: Alert['facts']
  /** more labels to match on; the five standard ones always win */
  labels?: Labels
}

/** An alert opened now, active, unassigned, with its standard labels. */
export function newAlert(a: NewAlert, now: number): Alert {
  return {
    id: `al_${now.toString(36)}${randomBytes(4).toString('hex')}`,
    cabinet_id: a.cabinet,
    type: a.type,
    severity: a.severity,
    state: 'active',
    team: a.team,
    assignee: null,
    labels: {
      ...a.labels,
      cabinet: a.cabinet,
      district: a.district,
      type: a.type,
      severity: a.severity,
      team: a.team,
    },
    summary: a.summary,
    facts: a.facts,
    started_ms: now,
    active_since_ms: now,
    updated_ms: now,
    acknowledged_ms: null,
    acknowledged_by: null,
    resolved_ms: null,
    resolved_by: null,
    reopen_count: 0,
    escalation_level: 0,
  }
}
