import type { Logger } from 'pino'
import type { AlertService } from '../alerts/alert-service.ts'
import type { MaintenanceService } from '../alerts/maintenance-list.ts'
import type { SignedLinks } from '../alerts/signed-links.ts'
import type { Silences } from '../alerts/silences.ts'
import type { AlertEvents } from '../alerts/types.ts'
import type { Broker } from '../broker/broker.ts'
import type { Config } from '../config/schema.ts'
import type { Coverage } from '../coverage/coverage.ts'
import type { PublicNearest } from '../coverage/public-nearest.ts'
import type { ExportStore } from '../feeds/bkkhdc/export-store.ts'
import type { BkkhdcExports } from '../feeds/bkkhdc/exports.ts'
import type { HealthMapFeed } from '../feeds/healthmap/feed.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { Registry } from '../registry/registry.ts'
import type { CabinetReadiness } from '../rules/readiness.ts'
import type { LiveState } from '../state/live-state.ts'
import type { InfluxApi } from '../store/influx.ts'
import type { Outbox } from '../store/outbox.ts'
import type { Writer } from '../store/writer.ts'
import type { ApiTokens } from './tokens.ts'

/** What the HTTP API reads and drives: handed over by the composition root. */
export interface ApiContext {
  config: Readonly<Config>
  log: Logger
  clock: () => number
  metrics: Metrics
  registry: Registry
  tokens: ApiTokens
  outbox: Outbox
  writer: Writer
  broker: Broker
  state: LiveState
  influx: InfluxApi
  /** Readiness of a cabinet now, from the rules. */
  readiness?: Pick<CabinetReadiness, 'of'>
  /** Alerts: list, read, acknowledge, assign, resolve. */
  alerts?: AlertService
  silences?: Pick<Silences, 'list' | 'create' | 'expire' | 'activeAt'>
  /** The maintenance work list. */
  maintenance?: Pick<MaintenanceService, 'list'>
  /** Signed alert links (console, notifications). */
  links?: SignedLinks
  /** Every alert transition as it happens (the console's live stream). */
  alertEvents?: AlertEvents
  /** The public health-map feed (GET /feeds/healthmap.geojson). */
  healthmap?: HealthMapFeed
  /** The monthly BKKHDC dataset: builds, deliveries, audit log. */
  exports?: { bkkhdc: BkkhdcExports; store: ExportStore }
  /** Nearest usable AEDs, coverage impact and district coverage; the public nearest query. */
  coverage?: { live: Coverage; public?: PublicNearest }
}
