import { Point } from '@influxdata/influxdb-client'
import { SEVERITIES, type Severity } from '../rules/types.ts'
import type { Alert, Transition } from './types.ts'

/**
 * One point per alert transition, measurement `alert` (docs/alerts.md): tags cabinet, district,
 * type, severity, state (after the transition), all low cardinality; the alert id, the kind of
 * transition, the actor and the alert's milestones are fields, so Grafana can compute time to
 * acknowledge (`ack_ms - started_ms`) and to resolve from single points.
 */
export function alertLine(a: Alert, t: Transition): string {
  const p = new Point('alert')
    .tag('cabinet', a.cabinet_id)
    .tag('district', a.labels.district ?? 'unknown')
    .tag('type', a.type)
    .tag('severity', t.severity)
    .tag('state', t.to_state)
    .stringField('id', a.id)
    .stringField('kind', t.kind)
    .stringField('by', t.by)
    .intField('severity_level', SEVERITIES.indexOf(t.severity as Severity) + 1)
    .booleanField('open', t.to_state !== 'resolved')
    .intField('started_ms', a.started_ms)
  if (a.acknowledged_ms !== null) p.intField('ack_ms', a.acknowledged_ms)
  if (a.resolved_ms !== null) p.intField('resolved_ms', a.resolved_ms)
  return p.timestamp(String(t.at_ms)).toLineProtocol() as string
}
