import type pg from 'pg'
import { AedgwError } from '../../lib/errors.ts'
import { manualResolve } from '../alert-service.ts'
import type { AlertFilter } from '../alert-store.ts'
import type { Alert, Transition, TransitionKind } from '../types.ts'
import { PgAlertStore } from './alert-store.ts'
import type { PgNotices } from './notices.ts'
import type { CabinetUnit, PgStateTransaction } from './state-transaction.ts'

export interface PgAlertServiceDeps {
  pool: pg.Pool
  tx: PgStateTransaction
  notices: PgNotices
  clock: () => number
  /** Called after a transition that queued notifications committed (wakes the delivery sender). */
  onQueued?: (deliveries: string[]) => void
}

/**
 * What people do with alerts in worker mode (the REST API of any worker): list, read, acknowledge,
 * assign, comment, resolve, against PostgreSQL. A change runs in the alert's cabinet's transaction
 * (`PgStateTransaction.withCabinet`, the lock the worker's cabinet step and the sweep take), reads
 * the alert again under that lock and decides from what is committed: of two workers acknowledging
 * the same alert at once, the second finds it acknowledged and records nothing; a resolve and a
 * rule's resolve never both happen. A resolve queues the `resolved` notification in the same
 * transaction (PgNotices, as the cabinet step does); acknowledge, assign and comment notify nobody,
 * as in embedded mode.
 */
export class PgAlertService {
  private readonly deps: PgAlertServiceDeps
  private readonly store: PgAlertStore

  constructor(deps: PgAlertServiceDeps) {
    this.deps = deps
    this.store = new PgAlertStore(deps.pool)
  }

  list(filter: AlertFilter): Promise<Alert[]> {
    return this.store.list(filter)
  }

  async get(id: string): Promise<{ alert: Alert; transitions: Transition[] } | null> {
    const alert = await this.store.get(id)
    return alert ? { alert, transitions: await this.store.transitions(id) } : null
  }

  acknowledge(id: string, by: string, comment: string | null): Promise<Alert> {
    return this.change(id, true, async (unit, a, now) => {
      if (a.state === 'acknowledged') return a
      const next: Alert = { ...a, state: 'acknowledged', acknowledged_ms: now, acknowledged_by: by }
      await record(unit, next, 'acknowledge', 'active', by, comment, now)
      return next
    })
  }

  assign(
    id: string,
    assignee: string | null,
    team: string | null,
    by: string,
    comment: string | null,
  ): Promise<Alert> {
    return this.change(id, true, async (unit, a, now) => {
      const next: Alert = team ? { ...a, assignee, team, labels: { ...a.labels, team } } : { ...a, assignee }
      await record(unit, next, 'assign', a.state, by, comment ?? `assigned to ${assignee ?? 'nobody'}`, now)
      return next
    })
  }

  /** A note on the alert's history, open or resolved; null when there is no such alert. */
  async comment(id: string, by: string, comment: string): Promise<Alert | null> {
    if (!(await this.store.get(id))) return null
    return this.change(id, false, async (unit, a, now) => {
      await record(unit, a, 'comment', a.state, by, comment, now)
      return a
    })
  }

  /** Resolves by hand; null when there is no such alert, 409 for a condition that clears by itself. */
  async resolve(id: string, by: string, comment: string | null): Promise<Alert | null> {
    if (!(await this.store.get(id))) return null
    const queued: string[] = []
    const done = await this.change(id, true, async (unit, a, now) => {
      if (!manualResolve(a.type)) {
        throw new AedgwError(
          'AEDGW_ERR_ALERT_CONDITION',
          `${a.type} resolves itself when its condition clears; acknowledge it instead`,
        )
      }
      const next: Alert = { ...a, state: 'resolved', resolved_ms: now, resolved_by: by }
      await record(unit, next, 'resolve', a.state, by, comment, now)
      // resolved_by a person: the cabinet step does not raise it again for the same occurrence
      const out = { deliveries: queued }
      await this.deps.notices.resolved(unit, next, now, out)
      return next
    })
    if (queued.length > 0) this.deps.onQueued?.(queued)
    return done
  }

  /** Runs `fn` on the alert as committed, under its cabinet's lock; 404 or 409 as embedded mode answers. */
  private async change(
    id: string,
    mustBeOpen: boolean,
    fn: (unit: CabinetUnit, a: Alert, now: number) => Promise<Alert>,
  ): Promise<Alert> {
    const first = await this.store.get(id)
    if (!first) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
    return this.deps.tx.withCabinet(first.cabinet_id, async (unit) => {
      const a = await unit.alerts.get(id)
      if (!a) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no alert ${id}`)
      if (mustBeOpen && a.state === 'resolved')
        throw new AedgwError('AEDGW_ERR_ALERT_RESOLVED', `alert ${id} is already resolved`)
      return fn(unit, a, this.deps.clock())
    })
  }
}

async function record(
  unit: CabinetUnit,
  a: Alert,
  kind: TransitionKind,
  from: Alert['state'],
  by: string,
  comment: string | null,
  now: number,
): Promise<void> {
  a.updated_ms = now
  await unit.alerts.record(a, {
    alert_id: a.id,
    at_ms: now,
    kind,
    from_state: from,
    to_state: a.state,
    severity: a.severity,
    by,
    comment,
  })
}
