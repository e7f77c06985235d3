import type { Logger } from 'pino'
import type { PurposeKey } from '../lib/secrets.ts'
import type { Registry } from '../registry/registry.ts'
import type { InfluxApi } from '../store/influx.ts'
import { influxql, READINESS } from '../store/schema/index.ts'
import type { FeedsConfig } from './config.ts'
import { type HealthMapCollection, HealthMapFeed } from './healthmap/feed.ts'
import { OpeningHoursEvaluator } from './healthmap/opening-hours.ts'
import { HealthMapPush } from './healthmap/push.ts'
import { LeasedJob, type LeasedJobDeps } from './leased-job.ts'
import type { FeedJobStore, ReadinessHistoryStore, ReadinessLast } from './ports.ts'
import { ReadinessHistory, type ReadinessOf } from './readiness-history.ts'

export interface ClusterLiveFeedsDeps {
  config: Readonly<FeedsConfig>
  registry: Pick<Registry, 'list'>
  /** Readiness from the live states last read by `refresh`. */
  readinessOf: ReadinessOf
  /** Reads every cabinet's live state from the shared store (PostgreSQL) for `readinessOf`. */
  refresh: () => Promise<void>
  influx: Pick<InfluxApi, 'write' | 'query'>
  store: FeedJobStore
  idKey: PurposeKey
  lease: LeasedJobDeps['lease']
  clock: () => number
  log: Logger
}

/** One term of holding the lease: what it remembers, read from the shared stores when it began. */
interface Term {
  history: ReadinessHistory
  lines: string[]
  push: HealthMapPush | null
}

const FEED = 'healthmap'

/** The last readiness point per cabinet in InfluxDB: where the previous holder's history ended. */
async function lastReadiness(influx: Pick<InfluxApi, 'query'>): Promise<ReadinessLast[]> {
  const r = influxql(READINESS)
  const [series] = await influx.query(
    `SELECT last(${r.key('state')}) AS "state", ${r.key('reason_codes')} FROM ${r.from} GROUP BY ${r.key('cabinet')}`,
  )
  return (series ?? []).flatMap((s) =>
    s.values.map((v) => {
      const row = Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))
      return {
        cabinet: String(s.tags?.cabinet),
        readiness: String(row.state),
        reason_codes: typeof row.reason_codes === 'string' ? row.reason_codes : '',
      }
    }),
  )
}

/** The readiness history's "last written" for one term, in memory (InfluxDB holds the truth). */
function memoryStore(rows: ReadinessLast[]): ReadinessHistoryStore {
  const last = new Map(rows.map((r) => [r.cabinet, r]))
  return {
    all: () => [...last.values()],
    save: (r) => void last.set(r.cabinet, r),
    lateMarks: () => [],
    saveLateMarks: () => {},
    clearLateMark: () => {},
  }
}

/**
 * Readiness history and the health-map push in cluster mode, by the holder of the `feeds` lease:
 * each round reads the live states from PostgreSQL, writes every cabinet's readiness change to
 * InfluxDB (the `readiness` measurement the dashboards and the BKKHDC dataset read), and pushes
 * the health-map snapshot when it differs from the last pushed. A new holder carries on from its
 * predecessor: the readiness last written per cabinet is read back from InfluxDB, and the last
 * pushed snapshot (ETag and body) from PostgreSQL (`feed_pushes`), so an unchanged fleet is not
 * written or pushed again. Rounds run every `readiness_interval_ms`, or `push_debounce_ms` when
 * that is shorter.
 */
export class ClusterLiveFeeds {
  private readonly deps: ClusterLiveFeedsDeps
  readonly job: LeasedJob
  private term: Term | null = null

  constructor(deps: ClusterLiveFeedsDeps) {
    this.deps = deps
    const hm = deps.config.healthmap
    this.job = new LeasedJob({
      lease: deps.lease,
      intervalMs: Math.min(deps.config.readiness_interval_ms, hm.push_url ? hm.push_debounce_ms : Infinity),
      log: deps.log,
      run: (taken) => this.round(taken),
    })
  }

  start(): void {
    this.job.start()
  }

  async stop(): Promise<void> {
    await this.job.stop()
    this.term = null
  }

  private async round(taken: boolean): Promise<void> {
    if (taken) this.term = null
    await this.deps.refresh()
    this.term ??= await this.newTerm()
    const term = this.term
    await term.history.tick()
    const lines = term.lines.splice(0)
    if (lines.length > 0) {
      try {
        await this.deps.influx.write(lines)
      } catch (err) {
        // what this term remembers as written is not: start over from InfluxDB
        this.term = null
        throw err
      }
    }
    await term.push?.check()
  }

  private async newTerm(): Promise<Term> {
    const { config, registry, readinessOf, clock, log, store } = this.deps
    const lines: string[] = []
    const history = new ReadinessHistory({
      store: memoryStore(await lastReadiness(this.deps.influx)),
      registry,
      readinessOf,
      outbox: {
        append: async (_cabinet, line) => {
          lines.push(line)
        },
      },
      clock,
      log: log.child({ module: 'readiness-history' }),
      intervalMs: config.readiness_interval_ms,
    })
    history.load()
    const hm = config.healthmap
    if (!hm.push_url) return { history, lines, push: null }
    const feed = new HealthMapFeed({
      registry,
      readinessOf,
      idKey: this.deps.idKey,
      openingHours: new OpeningHoursEvaluator(),
      clock,
      intervalMs: hm.snapshot_interval_ms,
      includePrivate: hm.include_private,
    })
    const last = await store.lastPush(FEED)
    if (last) feed.seed(JSON.parse(last.body) as HealthMapCollection)
    const push = new HealthMapPush({
      snapshot: () => feed.snapshot(),
      url: hm.push_url,
      token: hm.push_token,
      debounceMs: hm.push_debounce_ms,
      timeoutMs: hm.push_timeout_ms,
      log: log.child({ module: 'healthmap-push' }),
      pushed: last?.etag ?? null,
      onPushed: (snap) => store.savePush(FEED, { etag: snap.etag, body: snap.body, pushed_ms: clock() }),
    })
    return { history, lines, push }
  }
}
