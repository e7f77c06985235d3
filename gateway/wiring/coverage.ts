import type { Logger } from 'pino'
import type { Config } from '../config/schema.ts'
import { Coverage } from '../coverage/coverage.ts'
import { PublicNearest } from '../coverage/public-nearest.ts'
import type { Feeds } from '../feeds/feeds.ts'
import { OpeningHoursEvaluator } from '../feeds/healthmap/opening-hours.ts'
import type { Registry } from '../registry/registry.ts'
import type { Alerting } from './alerting.ts'

/** Live coverage (nearest usable AED, holes, district shares) and the public nearest query. */
export interface CoverageGraph {
  live: Coverage
  public: PublicNearest
}

export function buildCoverage(deps: {
  config: Readonly<Config>
  registry: Registry
  alerting: Alerting
  feeds: Feeds
  outbox: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  clock: () => number
  log: Logger
}): CoverageGraph {
  const { config, clock } = deps
  return {
    live: new Coverage({
      config: config.coverage,
      registry: deps.registry,
      readinessOf: (id) => deps.alerting.readiness.of(id),
      openingHours: new OpeningHoursEvaluator(),
      outbox: deps.outbox,
      clock,
      log: deps.log,
    }),
    // the public variant answers from the public feed's snapshot, with its privacy rules
    public: new PublicNearest({ feed: deps.feeds.healthmap, config: config.coverage, clock }),
  }
}
