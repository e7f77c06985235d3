import { districtSubject } from '../../rules/evaluator.ts'
import { DISTRICT_OUTAGE } from '../../rules/index.ts'
import { newAlert } from '../new-alert.ts'
import { type Alert, SYSTEM } from '../types.ts'
import { type StepResult, transition } from './cabinet-step.ts'
import type { PgNotices } from './notices.ts'
import type { CabinetUnit } from './state-transaction.ts'

export interface DistrictStepDeps {
  notices: PgNotices
  /** `alerts.district_outage`, as in embedded mode. */
  outage: { min_cabinets: number; offline_fraction: number }
  clock: () => number
}

/**
 * The district-wide outage alert in worker mode, the twin of the embedded `Evaluator`'s: when at
 * least `min_cabinets` of a district's registered, active cabinets, and at least
 * `offline_fraction` of them, have an open `offline` alert (a power or network cut), the
 * district's pseudo-cabinet `district-{code}` gets a critical `district_outage` alert (which
 * the default inhibit rule lets mute the offline alerts under it); it resolves when fewer are
 * down. The sweep runs it after the cabinets, inside the pseudo-cabinet's own `withCabinet`
 * transaction, so it is decided once however many workers sweep.
 */
export class DistrictStep {
  private readonly deps: DistrictStepDeps

  constructor(deps: DistrictStepDeps) {
    this.deps = deps
  }

  async apply(unit: CabinetUnit, code: string, cabinets: readonly string[]): Promise<StepResult> {
    const now = this.deps.clock()
    const out: StepResult = { opened: [], resolved: [], deliveries: [] }
    const members = new Set(cabinets)
    const offline = await unit.alerts.list({
      district: code,
      type: 'offline',
      states: ['active', 'acknowledged'],
      limit: 1_000_000,
    })
    const down = offline.filter((a) => members.has(a.cabinet_id)).length
    const subject = districtSubject(code)
    const open = await unit.alerts.findOpen(subject, DISTRICT_OUTAGE)
    const { min_cabinets, offline_fraction } = this.deps.outage
    const outage = cabinets.length > 0 && down >= min_cabinets && down / cabinets.length >= offline_fraction
    if (outage && !open) await this.open(unit, subject, code, down, cabinets.length, now, out)
    if (!outage && open) {
      const next: Alert = {
        ...open,
        state: 'resolved',
        resolved_ms: now,
        resolved_by: SYSTEM,
        updated_ms: now,
      }
      await unit.alerts.record(next, transition(next, 'resolve', open.state, now))
      out.resolved.push(open.id)
      await this.deps.notices.resolved(unit, next, now, out)
    }
    return out
  }

  private async open(
    unit: CabinetUnit,
    subject: string,
    code: string,
    down: number,
    total: number,
    now: number,
    out: StepResult,
  ): Promise<void> {
    const alert = newAlert(
      {
        cabinet: subject,
        district: code,
        type: DISTRICT_OUTAGE,
        severity: 'critical',
        team: 'maintenance',
        summary: `${down} of ${total} cabinets offline in the district`,
        facts: { offline: down, cabinets: total },
      },
      now,
    )
    await unit.alerts.record(alert, transition(alert, 'open', null, now))
    out.opened.push(alert.id)
    await this.deps.notices.firing(unit, alert, now, out)
  }
}
