import { describe, expect, it } from 'vitest'
import type { Alert, Transition } from '../../../../gateway/alerts/types.ts'
import { alertLine } from '../../../../gateway/store/schema/index.ts'

const STARTED = 1795665600000
const ACKED = STARTED + 600_000
const RESOLVED = STARTED + 3_600_000

const alert: Alert = {
  id: 'al_k3x9',
  cabinet_id: 'BKK-1047-0007',
  type: 'door_left_open',
  severity: 'major',
  state: 'acknowledged',
  team: 'bang-na',
  assignee: null,
  labels: { cabinet: 'BKK-1047-0007', district: '1047', type: 'door_left_open', severity: 'major' },
  summary: 'Door open for 10 minutes',
  facts: {},
  started_ms: STARTED,
  active_since_ms: STARTED,
  updated_ms: ACKED,
  acknowledged_ms: ACKED,
  acknowledged_by: 'Somchai K.',
  resolved_ms: null,
  resolved_by: null,
  reopen_count: 0,
  escalation_level: 0,
}

const ack: Transition = {
  alert_id: alert.id,
  at_ms: ACKED,
  kind: 'acknowledge',
  from_state: 'active',
  to_state: 'acknowledged',
  severity: 'major',
  by: 'Somchai K.',
  comment: null,
}

describe('alert line protocol', () => {
  it('writes a transition with its milestones as integers, at the transition time', () => {
    expect(alertLine(alert, ack)).toBe(
      'alert,cabinet=BKK-1047-0007,district=1047,severity=major,state=acknowledged,type=door_left_open ' +
        'ack_ms=1795666200000i,by="Somchai K.",id="al_k3x9",kind="acknowledge",open=T,' +
        'severity_level=3i,started_ms=1795665600000i 1795666200000',
    )
  })

  it('closes the alert on resolution and tags an unknown district as such', () => {
    const resolved = { ...alert, labels: {}, state: 'resolved' as const, resolved_ms: RESOLVED }
    const t: Transition = {
      ...ack,
      at_ms: RESOLVED,
      kind: 'resolve',
      to_state: 'resolved',
      severity: 'critical',
    }
    expect(alertLine(resolved, t)).toBe(
      'alert,cabinet=BKK-1047-0007,district=unknown,severity=critical,state=resolved,type=door_left_open ' +
        'ack_ms=1795666200000i,by="Somchai K.",id="al_k3x9",kind="resolve",open=F,resolved_ms=1795669200000i,' +
        'severity_level=4i,started_ms=1795665600000i 1795669200000',
    )
  })
})
