import { Point } from '@influxdata/influxdb-client'
import { SEVERITIES, type Severity } from '../rules/types.ts'
import type { Alert, Transition } from './types.ts'

/**
 * One point per alert transition, measurement `alert` (docs/alerts.md): tags cabinet, district,
 * type, severity, state — all low cardinality; the alert id, transition and actor are fields.
 */
export function alertLine(a: Alert, t: Transition): string {
  return new Point('alert')
    .tag('cabinet', a.cabinet_id)
    .tag('district', a.labels.district ?? 'unknown')
    .tag('type', a.type)
    .tag('severity', t.severity)
    .tag('state', t.to_state)
    .stringField('alert_id', a.id)
    .stringField('transition', t.kind)
    .stringField('by', t.by)
    .intField('severity_level', SEVERITIES.indexOf(t.severity as Severity) + 1)
    .booleanField('open', t.to_state !== 'resolved')
    .timestamp(String(t.at_ms))
    .toLineProtocol() as string
}
