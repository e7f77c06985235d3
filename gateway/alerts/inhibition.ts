import type { AlertsConfig } from './config.ts'
import { compileAll, type MatchFn } from './matchers.ts'
import type { Alert } from './types.ts'

interface InhibitRule {
  source: MatchFn
  target: MatchFn
  equal: string[]
}

/**
 * Inhibition, as in Alertmanager: while an open alert matches a rule's source, alerts matching
 * its target with equal values of the `equal` labels are muted (an offline cabinet mutes its own
 * battery and temperature alerts; a district outage mutes the offline alerts under it).
 */
export class Inhibitor {
  private readonly rules: InhibitRule[]
  private readonly open: () => Iterable<Alert>

  constructor(config: Pick<AlertsConfig, 'inhibit_rules'>, open: () => Iterable<Alert>) {
    this.rules = config.inhibit_rules.map((r) => ({
      source: compileAll(r.source_matchers),
      target: compileAll(r.target_matchers),
      equal: r.equal,
    }))
    this.open = open
  }

  /** The alert that inhibits `a`, or null. */
  inhibitedBy(a: Alert): Alert | null {
    const rules = this.rules.filter((r) => r.target(a.labels))
    if (rules.length === 0) return null
    for (const s of this.open()) {
      if (s.id === a.id || s.state === 'resolved') continue
      for (const r of rules) {
        if (r.source(s.labels) && r.equal.every((k) => (s.labels[k] ?? '') === (a.labels[k] ?? ''))) return s
      }
    }
    return null
  }
}
