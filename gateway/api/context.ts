import type { Logger } from 'pino'
import type { Alerting } from '../alerts/alerting.ts'
import type { SignedLinks } from '../alerts/signed-links.ts'
import type { Broker } from '../broker/broker.ts'
import type { Config } from '../config/schema.ts'
import type { ExportStore } from '../feeds/bkkhdc/export-store.ts'
import type { BkkhdcExports } from '../feeds/bkkhdc/exports.ts'
import type { HealthMapFeed } from '../feeds/healthmap/feed.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { Registry } from '../registry/registry.ts'
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
  /** Rules, alerts, silences, readiness and the maintenance list. */
  alerting?: Alerting
  /** Signed alert links (console, notifications). */
  links?: SignedLinks
  /** The public health-map feed (GET /feeds/healthmap.geojson). */
  healthmap?: HealthMapFeed
  /** The monthly BKKHDC dataset: builds, deliveries, audit log. */
  exports?: { bkkhdc: BkkhdcExports; store: ExportStore }
}
