import type { CabinetUnit } from '../../gateway/alerts/postgres/state-transaction.ts'
import type { Alert, Transition } from '../../gateway/alerts/types.ts'
import type { CabinetLive } from '../../gateway/state/live-state.ts'

/** A cabinet's live state with only the door (and the times) set. */
export function liveWithDoor(door: 'open' | 'closed', nowMs: number): CabinetLive {
  return {
    connected: true,
    last_seen_ms: nowMs,
    first_seen_ms: nowMs - 60_000,
    last_heartbeat: null,
    last_heartbeat_ms: nowMs,
    last_event: null,
    status: 'online',
    offline_since_ms: null,
    door,
    door_open_since_ms: door === 'open' ? nowMs : null,
    aed_present: true,
    aed_removed_since_ms: null,
    power: 'mains',
    on_backup_since_ms: null,
    self_test: 'pass',
    last_self_test_ms: null,
    tamper_at_ms: null,
    tamper_detail: null,
    clock_skewed: false,
    clock_skew_ms: null,
    state_ms: nowMs,
    battery_samples: [[nowMs, 97]],
  }
}

export function alertFixture(id: string, cabinet: string, type: string, nowMs: number): Alert {
  return {
    id,
    cabinet_id: cabinet,
    type,
    severity: 'critical',
    state: 'active',
    team: 'bma-ems',
    assignee: null,
    labels: { cabinet, district: '1001', type, severity: 'critical', team: 'bma-ems' },
    summary: `${type} at ${cabinet}`,
    facts: { door: 'open', seq: 7 },
    started_ms: nowMs,
    active_since_ms: nowMs,
    updated_ms: nowMs,
    acknowledged_ms: null,
    acknowledged_by: null,
    resolved_ms: null,
    resolved_by: null,
    reopen_count: 0,
    escalation_level: 0,
  }
}

export function openTransition(a: Alert): Transition {
  return {
    alert_id: a.id,
    at_ms: a.updated_ms,
    kind: 'open',
    from_state: null,
    to_state: 'active',
    severity: a.severity,
    by: 'system',
    comment: null,
  }
}

/**
 * What a worker does with one cabinet's door-open reading, inside the cabinet's transaction: saves
 * the state and, unless the door-open alert is open already, opens it and enqueues its webhook
 * notification `{alert id}:open` under the delivery key `{alert id}:open/webhook` (the payload
 * carries only what the webhook's idempotency needs: the notification's id). `between` runs after the read and
 * before the writes (the tests widen the race window there). Returns the id of the alert opened,
 * or null when one was open already.
 */
export async function handleDoorOpen(
  unit: CabinetUnit,
  cabinet: string,
  worker: string,
  nowMs: number,
  between: () => Promise<void> = async () => {},
): Promise<string | null> {
  const open = await unit.alerts.findOpen(cabinet, 'door_open')
  await between()
  await unit.live.save(cabinet, liveWithDoor('open', nowMs), nowMs)
  if (open) return null
  const alert = alertFixture(`al_${worker}_${cabinet}`, cabinet, 'door_open', nowMs)
  await unit.alerts.record(alert, openTransition(alert))
  await unit.deliveries.enqueue([
    {
      id: `${alert.id}:open/webhook`,
      notifier: 'webhook',
      payload: JSON.stringify({ version: '1', id: `${alert.id}:open`, status: 'firing', cabinet }),
      created_ms: nowMs,
      attempts: 0,
      next_ms: nowMs,
    },
  ])
  return alert.id
}
