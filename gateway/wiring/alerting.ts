import { EventEmitter } from 'node:events'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import { AlertService } from '../alerts/alert-service.ts'
import type { AlertStore } from '../alerts/alert-store.ts'
import type { AlertsConfig } from '../alerts/config.ts'
import { Delivery } from '../alerts/delivery.ts'
import { Dispatcher } from '../alerts/dispatcher.ts'
import { Escalation } from '../alerts/escalation.ts'
import { Inhibitor } from '../alerts/inhibition.ts'
import { AlertLifecycle, type FireInput } from '../alerts/lifecycle.ts'
import { MaintenanceService } from '../alerts/maintenance-list.ts'
import { notifiedAlert } from '../alerts/messages.ts'
import { buildReceivers } from '../alerts/notifiers/build.ts'
import type { CabinetDescription, Notifier } from '../alerts/notifiers/notifier.ts'
import { buildRoute } from '../alerts/routing.ts'
import { Silences } from '../alerts/silences.ts'
import { SqliteAlertStore } from '../alerts/sqlite/alert-store.ts'
import { SqliteDeliveryStore } from '../alerts/sqlite/delivery-store.ts'
import { SqliteSilenceStore } from '../alerts/sqlite/silence-store.ts'
import { StorageHealth, type StorageStatus } from '../alerts/storage-health.ts'
import type { Alert, Transition } from '../alerts/types.ts'
import type { Reading } from '../ingest/ingest.ts'
import { districtByCode } from '../protocol/districts.ts'
import type { Registry } from '../registry/registry.ts'
import { activeByDistrict, cabinetInfo } from '../rules/cabinets.ts'
import { Evaluator } from '../rules/evaluator.ts'
import { CabinetReadiness } from '../rules/readiness.ts'
import { Thresholds } from '../rules/thresholds.ts'
import type { LiveState } from '../state/live-state.ts'
import { SqliteLiveStateStore } from '../state/sqlite/live-state-store.ts'
import { StateStore } from '../state/state-store.ts'
import { alertLine } from '../store/schema/index.ts'

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
  /** Sees every firing before it is recorded (coverage: hole label, severity). */
  adjustFire?: (input: FireInput) => FireInput
  /** A cabinet's live state changed (a reading or a connection): coverage re-checks it. */
  onCabinetChange?: (id: string) => void
  /** The signed console link to an alert that notifications carry, if the console has a public URL. */
  linkFor?: (a: Alert) => string | null
  /** Told of every transition too (the alert metrics). */
  onTransition?: (alert: Alert, t: Transition) => void
}

/**
 * The stages after ingest, wired in pipeline order: committed reading → live state (saved by
 * the state store) → rules (evaluator, readiness) → alert lifecycle → route/group/dedup/mute
 * (dispatcher) → notify/retry (delivery), with escalation and storage health beside them.
 * The API gets the services only: alerts, silences, the maintenance list, readiness.
 */
export interface Alerting {
  // state
  state: LiveState
  stateStore: StateStore
  // rules
  thresholds: Thresholds
  evaluator: Evaluator
  readiness: CabinetReadiness
  // alerts
  store: AlertStore
  lifecycle: AlertLifecycle
  silences: Silences
  delivery: Delivery
  dispatcher: Dispatcher
  escalation: Escalation
  storageHealth: StorageHealth | null
  /** 'transition' (alert, transition): every change of every alert, for live views. */
  events: EventEmitter
  // services for the API
  alerts: AlertService
  maintenance: MaintenanceService
  /** A committed reading: update live state, evaluate this cabinet's rules in memory. */
  onReading(r: Reading): void
  onConnection(id: string, connected: boolean): void
  /** Every timer: rule sweep (every sweep_interval_ms), group flushes, escalation, retries. */
  tick(): void
  /** Loads what was saved (live state, alerts, holds, groups, silences, deliveries); starts the tick. */
  start(): void
  stop(): Promise<void>
}

export function buildAlerting(deps: AlertingDeps): Alerting {
  const { config, db, log, clock, state, registry } = deps
  const child = (stage: string) => log.child({ stage })
  const events = new EventEmitter()
  const stateStore = new StateStore({
    store: new SqliteLiveStateStore(db),
    state,
    log: child('state'),
    clock,
    intervalMs: config.state_persist_interval_ms,
  })
  const thresholds = new Thresholds(config)
  const readiness = new CabinetReadiness({ state, registry, thresholds, clock })
  const store = new SqliteAlertStore(db)
  const silences = new Silences(new SqliteSilenceStore(db), config, clock)
  const delivery = new Delivery({
    store: new SqliteDeliveryStore(db),
    receivers: deps.receivers ?? buildReceivers(config, child('notify'), clock),
    config: config.delivery,
    log: child('delivery'),
    clock,
  })
  const describe = (a: Alert, status: 'firing' | 'resolved') =>
    notifiedAlert(a, status, describeCabinet(registry, a), config, deps.linkFor?.(a) ?? null)
  const root = buildRoute(config.route)
  // the lifecycle hands every transition to the dispatcher, built after it
  let dispatcher: Dispatcher | null = null
  const lifecycle = new AlertLifecycle({
    store,
    log: child('lifecycle'),
    clock,
    reopenWindowMs: config.reopen_window_ms,
    ...(deps.adjustFire ? { adjust: deps.adjustFire } : {}),
    onTransition: (a, t) => {
      dispatcher?.onTransition(a, t)
      deps.outbox.append(a.cabinet_id, alertLine(a, t), t.at_ms).catch((err: unknown) => {
        log.error({ err, alert: a.id }, 'alert transition not written to the outbox')
      })
      events.emit('transition', a, t)
      deps.onTransition?.(a, t)
    },
  })
  dispatcher = new Dispatcher({
    root,
    store,
    delivery,
    silences,
    inhibitor: new Inhibitor(config, () => lifecycle.open()),
    alertById: (id) => lifecycle.byId(id),
    describe,
    clock,
    log: child('dispatch'),
  })
  const escalation = new Escalation({ root, lifecycle, delivery, silences, describe, clock })
  const storageHealth = deps.storageStatus
    ? new StorageHealth({ lifecycle, status: deps.storageStatus, graceMs: config.storage.grace_ms, clock })
    : null
  const evaluator = new Evaluator({
    state,
    lifecycle,
    thresholds,
    store,
    infoOf: (id) => cabinetInfo(registry, id),
    districts: () => activeByDistrict(registry),
    outage: config.district_outage,
    clock,
    log: child('rules'),
  })
  const evaluate = (id: string) => {
    try {
      evaluator.evaluateCabinet(id)
    } catch (err) {
      log.error({ err, cabinet: id }, 'rule evaluation failed')
    }
  }
  let timer: NodeJS.Timeout | null = null
  let lastSweep = 0
  const graph: Alerting = {
    state,
    stateStore,
    thresholds,
    evaluator,
    readiness,
    store,
    lifecycle,
    silences,
    delivery,
    dispatcher,
    escalation,
    storageHealth,
    events,
    alerts: new AlertService({ store, lifecycle }),
    maintenance: new MaintenanceService({
      registry,
      state,
      lifecycle,
      thresholds,
      minSamples: config.forecast.min_samples,
      clock,
    }),
    onReading(r) {
      state.onReading(r)
      evaluate(r.cabinet)
      deps.onCabinetChange?.(r.cabinet)
    },
    onConnection(id, connected) {
      state.onConnection(id, connected, clock())
      evaluate(id)
      deps.onCabinetChange?.(id)
    },
    tick() {
      const now = clock()
      try {
        if (now - lastSweep >= config.sweep_interval_ms) {
          lastSweep = now
          evaluator.sweep()
          storageHealth?.evaluate()
          lifecycle.prune()
        }
        graph.dispatcher.tick()
        escalation.tick()
        delivery.tick()
      } catch (err) {
        log.error({ err }, 'alerting tick failed')
      }
    },
    start() {
      stateStore.start()
      silences.start()
      lifecycle.start()
      evaluator.start()
      graph.dispatcher.start()
      delivery.start()
      timer = setInterval(() => graph.tick(), config.tick_ms)
      timer.unref()
    },
    async stop() {
      if (timer) clearInterval(timer)
      timer = null
      await delivery.stop()
      stateStore.stop()
    },
  }
  return graph
}

export function describeCabinet(registry: Pick<Registry, 'get'>, a: Alert): CabinetDescription | null {
  const reg = registry.get(a.cabinet_id)?.registration
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
