import { SEVERITIES, type Severity } from '../../protocol/severity.ts'
import { Line, measurement } from './measurement.ts'

/**
 * One point per alert transition (docs/alerts.md): tags all low cardinality, `state` is the
 * state after the transition; the alert id, the kind of transition, the actor and the alert's
 * milestones are fields, so Grafana computes time to acknowledge (`ack_ms - started_ms`) and to
 * resolve from single points.
 */
export const ALERT = measurement({
  name: 'alert',
  tags: ['cabinet', 'district', 'type', 'severity', 'state'],
  fields: {
    id: 'string',
    kind: 'string',
    by: 'string',
    severity_level: 'integer',
    open: 'boolean',
    started_ms: 'integer',
    ack_ms: 'integer',
    resolved_ms: 'integer',
  },
})

/** What the point needs of an alert (alerts/types.ts `Alert`; the store stage comes before alerts). */
export interface AlertFacts {
  id: string
  cabinet_id: string
  type: string
  labels: Readonly<Record<string, string | undefined>>
  started_ms: number
  acknowledged_ms: number | null
  resolved_ms: number | null
}

/** What the point needs of a transition (alerts/types.ts `Transition`). */
export interface TransitionFacts {
  kind: string
  by: string
  severity: string
  to_state: string
  at_ms: number
}

/** The point for transition `t` of alert `a`, at the transition's time. */
export function alertLine(a: AlertFacts, t: TransitionFacts): string {
  const tags = {
    cabinet: a.cabinet_id,
    district: a.labels.district ?? 'unknown',
    type: a.type,
    severity: t.severity,
    state: t.to_state,
  }
  return new Line(ALERT, tags, t.at_ms)
    .set('id', a.id)
    .set('kind', t.kind)
    .set('by', t.by)
    .set('severity_level', SEVERITIES.indexOf(t.severity as Severity) + 1)
    .set('open', t.to_state !== 'resolved')
    .set('started_ms', a.started_ms)
    .set('ack_ms', a.acknowledged_ms ?? undefined)
    .set('resolved_ms', a.resolved_ms ?? undefined)
    .toString()
}
