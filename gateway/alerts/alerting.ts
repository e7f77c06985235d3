import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type { Reading } from '../ingest/ingest.ts'
import { districtByCode } from '../protocol/districts.ts'
import type { Registry } from '../registry/registry.ts'
import { RULE_BY_TYPE } from '../rules/index.ts'
import { Thresholds } from '../rules/thresholds.ts'
import type { CabinetInfo } from '../rules/types.ts'
import type { CabinetLive, LiveState } from '../state/live-state.ts'
import { type Readiness, type ReadinessReason, readinessOf } from '../state/readiness.ts'
import { SqliteLiveStateStore } from '../state/sqlite/live-state-store.ts'
import { StateStore } from '../state/state-store.ts'
import { alertLine } from '../store/schema/index.ts'
import type { AlertStore } from './alert-store.ts'
import type { AlertsConfig } from './config.ts'
import { Delivery } from './delivery.ts'
import { Dispatcher } from './dispatcher.ts'
import { Escalation } from './escalation.ts'
import { Evaluator } from './evaluator.ts'
import { Inhibitor } from './inhibition.ts'
import { AlertLifecycle } from './lifecycle.ts'
import { maintenanceList, type WorkList } from './maintenance-list.ts'
import { type CabinetDescription, notifiedAlert } from './messages.ts'
import { buildReceivers } from './notifiers/build.ts'
import type { Notifier } from './notifiers/notifier.ts'
import { buildRoute } from './routing.ts'
import { Silences } from './silences.ts'
import { SqliteAlertStore } from './sqlite/alert-store.ts'
import { SqliteDeliveryStore } from './sqlite/delivery-store.ts'
import { SqliteSilenceStore } from './sqlite/silence-store.ts'
import { StorageHealth, type StorageStatus } from './storage-health.ts'
import type { Alert, Transition } from './types.ts'

export interface AlertingDeps {
  config: AlertsConfig
  db: Database.Database
  state: LiveState
  registry: Registry
  /** The durable InfluxDB outbox: alert transitions are written through it. */
  outbox: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  log: Logger
  clock: () => number
  /** Replaces the notifiers built from config (tests). */
  receivers?: Map<string, Notifier[]>
  /** The gateway's own storage (InfluxDB writer, outbox), for the storage_degraded alert. */
  storageStatus?: () => StorageStatus
  /** Told of every transition too (the alert metrics). */
  onTransition?: (alert: Alert, t: Transition) => void
}

/**
 * The alerting stages wired in pipeline order: live state → rules (evaluator) → lifecycle →
 * route/group/dedup/mute (dispatcher) → notify/retry (delivery), with escalation beside them.
 * One scheduler tick drives every timer, so tests advance a fake clock and call tick().
 */
export class Alerting {
  private readonly deps: AlertingDeps
  readonly thresholds: Thresholds
  readonly store: AlertStore
  readonly lifecycle: AlertLifecycle
  readonly silences: Silences
  readonly delivery: Delivery
  private readonly stateStore: StateStore
  private readonly evaluator: Evaluator
  private readonly dispatcher: Dispatcher
  private readonly escalation: Escalation
  private readonly storageHealth: StorageHealth | null
  private timer: NodeJS.Timeout | null = null
  private lastSweep = 0

  constructor(deps: AlertingDeps) {
    this.deps = deps
    const { config, db, log, clock } = deps
    const child = (stage: string) => log.child({ stage })
    this.thresholds = new Thresholds(config)
    this.store = new SqliteAlertStore(db)
    this.stateStore = new StateStore({
      store: new SqliteLiveStateStore(db),
      state: deps.state,
      log: child('state'),
      clock,
      intervalMs: config.state_persist_interval_ms,
    })
    const root = buildRoute(config.route)
    this.silences = new Silences(new SqliteSilenceStore(db), config, clock)
    this.delivery = new Delivery({
      store: new SqliteDeliveryStore(db),
      receivers: deps.receivers ?? buildReceivers(config, child('notify'), clock),
      config: config.delivery,
      log: child('delivery'),
      clock,
    })
    const describe = (a: Alert, status: 'firing' | 'resolved') =>
      notifiedAlert(a, status, this.describeCabinet(a), config)
    this.lifecycle = new AlertLifecycle({
      store: this.store,
      log: child('lifecycle'),
      clock,
      reopenWindowMs: config.reopen_window_ms,
      onTransition: (a, t) => {
        this.dispatcher.onTransition(a, t)
        deps.onTransition?.(a, t)
        deps.outbox.append(a.cabinet_id, alertLine(a, t), t.at_ms).catch((err: unknown) => {
          log.error({ err, alert: a.id }, 'alert transition not written to the outbox')
        })
      },
    })
    const inhibitor = new Inhibitor(config, () => this.lifecycle.open())
    this.dispatcher = new Dispatcher({
      root,
      store: this.store,
      delivery: this.delivery,
      silences: this.silences,
      inhibitor,
      alertById: (id) => this.lifecycle.byId(id),
      describe,
      clock,
      log: child('dispatch'),
    })
    this.escalation = new Escalation({
      root,
      lifecycle: this.lifecycle,
      delivery: this.delivery,
      silences: this.silences,
      describe,
      clock,
    })
    this.storageHealth = deps.storageStatus
      ? new StorageHealth({
          lifecycle: this.lifecycle,
          status: deps.storageStatus,
          graceMs: config.storage.grace_ms,
          clock,
        })
      : null
    this.evaluator = new Evaluator({
      state: deps.state,
      lifecycle: this.lifecycle,
      thresholds: this.thresholds,
      store: this.store,
      infoOf: (id) => this.infoOf(id),
      districts: () => this.districts(),
      outage: config.district_outage,
      clock,
      log: child('rules'),
    })
  }

  /** Loads what was saved (live state, alerts, holds, groups, silences); starts the tick. */
  start(): void {
    this.stateStore.start()
    this.silences.start()
    this.lifecycle.start()
    this.evaluator.start()
    this.dispatcher.start()
    this.timer = setInterval(() => this.tick(), this.deps.config.tick_ms)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.delivery.stop()
    this.stateStore.stop()
  }

  /** A reading committed to the outbox: update live state, evaluate this cabinet's rules in memory. */
  onReading(r: Reading): void {
    this.deps.state.onReading(r)
    this.evaluate(r.cabinet)
  }

  onConnection(id: string, connected: boolean): void {
    this.deps.state.onConnection(id, connected, this.deps.clock())
    this.evaluate(id)
  }

  /** Every timer: rule sweep (every sweep_interval_ms), group flushes, escalation, retries. */
  tick(): void {
    const now = this.deps.clock()
    try {
      if (now - this.lastSweep >= this.deps.config.sweep_interval_ms) {
        this.lastSweep = now
        this.evaluator.sweep()
        this.storageHealth?.evaluate()
        this.lifecycle.prune()
      }
      this.dispatcher.tick()
      this.escalation.tick()
      this.delivery.tick()
    } catch (err) {
      this.deps.log.error({ err }, 'alerting tick failed')
    }
  }

  /** Saves live state now (tests, stop). */
  flushState(): void {
    this.stateStore.flush()
  }

  readiness(id: string): { readiness: Readiness; reasons: ReadinessReason[] } {
    return this.readinessAt(id, this.deps.state.get(id), this.deps.clock())
  }

  /** Readiness from a given live state at a given time (history replayed in device time). */
  readinessAt(
    id: string,
    live: CabinetLive | undefined,
    nowMs: number,
  ): { readiness: Readiness; reasons: ReadinessReason[] } {
    return readinessOf({ cabinet: id, live, info: this.infoOf(id), now: nowMs, th: this.thresholds.for(id) })
  }

  maintenance(withinDays: number): WorkList {
    return maintenanceList(
      {
        registry: this.deps.registry,
        state: this.deps.state,
        lifecycle: this.lifecycle,
        thresholds: this.thresholds,
        minSamples: this.deps.config.forecast.min_samples,
      },
      withinDays,
      this.deps.clock(),
    )
  }

  /** Whether a person may resolve alerts of this type while the condition holds. */
  manualResolve(type: string): boolean {
    return RULE_BY_TYPE.get(type)?.manualResolve ?? true
  }

  private evaluate(id: string): void {
    try {
      this.evaluator.evaluateCabinet(id)
    } catch (err) {
      this.deps.log.error({ err, cabinet: id }, 'rule evaluation failed')
    }
  }

  private infoOf(id: string): CabinetInfo | null {
    const c = this.deps.registry.get(id)
    if (!c || c.retired) return null
    return {
      district: c.registration.district_code,
      heartbeat_interval_s: c.registration.heartbeat_interval_s,
    }
  }

  private districts(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const c of this.deps.registry.list()) {
      if (c.retired) continue
      const code = c.registration.district_code
      const list = out.get(code) ?? []
      list.push(c.registration.id)
      out.set(code, list)
    }
    return out
  }

  private describeCabinet(a: Alert): CabinetDescription | null {
    const reg = this.deps.registry.get(a.cabinet_id)?.registration
    const district = districtByCode(reg?.district_code ?? a.labels.district ?? '')
    return {
      name: reg?.name ?? null,
      name_th: reg?.name_th ?? null,
      address: reg?.address ?? null,
      address_th: reg?.address_th ?? null,
      district_code: district?.code ?? null,
      district_name: district?.name_en ?? null,
      district_name_th: district?.name_th ?? null,
      lat: reg?.lat ?? district?.lat ?? null,
      lon: reg?.lon ?? district?.lon ?? null,
    }
  }
}
