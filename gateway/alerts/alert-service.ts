import { RULE_BY_TYPE } from '../rules/index.ts'
import type { AlertFilter, AlertStore } from './alert-store.ts'
import type { AlertLifecycle } from './lifecycle.ts'
import type { Alert, Transition } from './types.ts'

export interface AlertServiceDeps {
  store: Pick<AlertStore, 'list' | 'transitions'>
  lifecycle: Pick<AlertLifecycle, 'byId' | 'acknowledge' | 'resolve' | 'assign' | 'comment'>
}

/** What people do with alerts (the REST API): list, read, acknowledge, assign, resolve. */
export class AlertService {
  private readonly deps: AlertServiceDeps

  constructor(deps: AlertServiceDeps) {
    this.deps = deps
  }

  list(filter: AlertFilter): Alert[] {
    return this.deps.store.list(filter)
  }

  /** One alert with every transition; null if there is none by that id. */
  get(id: string): { alert: Alert; transitions: Transition[] } | null {
    const alert = this.deps.lifecycle.byId(id)
    return alert ? { alert, transitions: this.deps.store.transitions(id) } : null
  }

  acknowledge(id: string, by: string, comment: string | null): Alert {
    return this.deps.lifecycle.acknowledge(id, by, comment)
  }

  assign(
    id: string,
    assignee: string | null,
    team: string | null,
    by: string,
    comment: string | null,
  ): Alert {
    return this.deps.lifecycle.assign(id, assignee, team, by, comment)
  }

  /** Adds a note to the alert's history; null if there is no such alert. */
  comment(id: string, by: string, comment: string): Alert | null {
    return this.deps.lifecycle.comment(id, by, comment)
  }

  /** Resolves by hand; null if there is no such alert, 409 for a condition that clears by itself. */
  resolve(id: string, by: string, comment: string | null): Alert | null {
    const a = this.deps.lifecycle.byId(id)
    if (!a) return null
    return this.deps.lifecycle.resolve(id, by, comment, manualResolve(a.type))
  }
}

/** Whether a person may resolve alerts of this type while the condition holds. */
export function manualResolve(type: string): boolean {
  return RULE_BY_TYPE.get(type)?.manualResolve ?? true
}
