import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import { AedgwError } from '../../lib/errors.ts'
import type { FeedsConfig } from '../config.ts'
import { type BuilderDeps, buildMonth } from './builder.ts'
import { type Dataset, datasetId, SCHEMA_VERSION } from './dataset.ts'
import { ExportDelivery } from './delivery.ts'
import type { ExportItem, ExportStore } from './export-store.ts'
import { patternOf, type SuppressionPattern } from './pattern.ts'
import { monthEnded, periodOf, previousMonth } from './period.ts'
import { nextRun } from './schedule.ts'

export interface BkkhdcExportsDeps extends BuilderDeps {
  config: FeedsConfig['bkkhdc']
  store: ExportStore
  log: Logger
  fetch?: typeof fetch
}

/** Who asks for a build, and for a rebuild why: both go to the audit log. */
export interface BuildRequest {
  force: boolean
  /** schedule, api, cli */
  trigger: string
  /** The API token's name, or the trigger when no token acted. */
  actor: string
  /** Required for a rebuild (`force` of a month built before). */
  reason?: string | undefined
}

/** The host a dataset goes to, for the audit log; null when delivery is off. */
export function destinationHost(url: string | null): string | null {
  return url ? new URL(url).host : null
}

/** File name → SHA-256 of a dataset's files, as its manifest states them. */
export function fileHashes(manifest: Dataset['manifest']): Record<string, string> {
  return Object.fromEntries(manifest.files.map((f) => [f.name, f.sha256]))
}

/**
 * The monthly BKKHDC dataset: scheduled build of the previous month (node-cron, Asia/Bangkok),
 * build on request, durable delivery. A month is built and delivered once; a second build of it
 * happens only when an admin asks for it (`force`) with a reason, goes out under a new dataset
 * id, and reuses the first build's suppression pattern (or is withheld when it cannot).
 */
export class BkkhdcExports {
  private readonly deps: BkkhdcExportsDeps
  readonly delivery: ExportDelivery
  private task: ScheduledTask | null = null
  private timer: NodeJS.Timeout | null = null

  constructor(deps: BkkhdcExportsDeps) {
    this.deps = deps
    this.delivery = new ExportDelivery({
      store: deps.store,
      config: deps.config,
      log: deps.log,
      clock: deps.clock,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    })
  }

  start(): void {
    const { config, log } = this.deps
    if (config.schedule) {
      this.task = cron.schedule(config.schedule, () => this.scheduled(), {
        timezone: 'Asia/Bangkok',
        name: 'bkkhdc-monthly',
      })
    }
    this.timer = setInterval(() => {
      this.delivery.tick().catch((err: unknown) => log.error({ err }, 'BKKHDC delivery tick failed'))
    }, config.tick_ms)
    this.timer.unref()
    if (!config.url) log.info('BKKHDC delivery off: feeds.bkkhdc.url (AEDGW_BKKHDC_URL) is not set')
  }

  async stop(): Promise<void> {
    await this.task?.destroy()
    this.task = null
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.delivery.idle()
  }

  /** When the scheduled build runs next (from the injected clock), or null when unscheduled. */
  nextRunMs(): number | null {
    const s = this.deps.config.schedule
    return s ? nextRun(s, this.deps.clock()) : null
  }

  /** The scheduled job: the previous month, unless it was built already. */
  async scheduled(): Promise<void> {
    const month = previousMonth(this.deps.clock())
    try {
      if ((await this.deps.store.forMonth(month)).length > 0) {
        await this.audit('skipped', null, month, { reason: 'already built', trigger: 'schedule' })
        return
      }
      await this.build(month, { force: false, trigger: 'schedule', actor: 'schedule' })
    } catch (err) {
      this.deps.log.error({ err, month }, 'scheduled BKKHDC build failed')
    }
  }

  /** Builds a finished month and queues it for delivery. */
  async build(month: string, opts: BuildRequest): Promise<ExportItem> {
    const { store, clock, log } = this.deps
    periodOf(month)
    if (!monthEnded(month, clock()))
      throw new AedgwError('AEDGW_ERR_PERIOD_NOT_OVER', `${month} has not ended yet (Bangkok time)`)
    const existing = await store.forMonth(month)
    const latest = existing[0]
    if (latest && !opts.force)
      throw new AedgwError(
        'AEDGW_ERR_EXPORT_EXISTS',
        `${month} was built already as ${latest.dataset_id} (${latest.state}); add ?force=true to build it again`,
      )
    const reason = opts.reason?.trim() ?? ''
    if (latest && reason.length === 0)
      throw new AedgwError(
        'AEDGW_ERR_REBUILD_REASON',
        `${month} was built already as ${latest.dataset_id}; a rebuild needs {"reason": "…"}`,
      )
    const revision = (latest?.revision ?? 0) + 1
    const id = datasetId(month, revision)
    const who = { trigger: opts.trigger, actor: opts.actor, ...(latest ? { reason } : {}) }
    const pattern = latest ? await this.patternFor(latest, id, who) : null
    let ds: Awaited<ReturnType<typeof buildMonth>>
    try {
      ds = await buildMonth(this.deps, month, id, pattern)
    } catch (err) {
      await this.audit('build_failed', id, month, { ...who, error: String(err) })
      const message = `could not read InfluxDB history: ${String(err)}`
      throw new AedgwError('AEDGW_ERR_INFLUX_UNAVAILABLE', message, { cause: err })
    }
    await store.insert(ds, revision, clock())
    const rows = Object.fromEntries(ds.manifest.files.map((f) => [f.name, f.rows]))
    await this.audit(latest ? 'rebuilt' : 'built', id, month, {
      ...who,
      ...(pattern ? { pattern_of: pattern.datasetId } : {}),
      rows,
      files: fileHashes(ds.manifest),
      destination_host: destinationHost(this.deps.config.url),
    })
    log.info(
      { dataset: id, rows, trigger: opts.trigger, actor: opts.actor },
      'BKKHDC dataset built and queued',
    )
    void this.delivery.tick().catch((err: unknown) => log.error({ err }, 'BKKHDC delivery failed'))
    return (await store.forMonth(month))[0] as ExportItem
  }

  /** The suppression pattern of the month's latest build, or withheld (throws) when it cannot be reused. */
  private async patternFor(
    latest: ExportItem,
    id: string,
    who: Record<string, unknown>,
  ): Promise<SuppressionPattern> {
    const m = latest.manifest
    if (m.schema_version !== SCHEMA_VERSION) {
      await this.audit('rebuild_withheld', id, m.period.month, {
        ...who,
        previous: latest.dataset_id,
        previous_schema: m.schema_version,
      })
      throw new AedgwError(
        'AEDGW_ERR_REBUILD_WITHHELD',
        `${latest.dataset_id} has schema ${m.schema_version}; its suppression pattern does not fit schema ${SCHEMA_VERSION}`,
      )
    }
    const files = await this.deps.store.files(latest.dataset_id)
    return patternOf(latest.dataset_id, m.suppression.grouped_districts ?? [], files)
  }

  private audit(
    action: string,
    id: string | null,
    month: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    return this.deps.store.audit({ at_ms: this.deps.clock(), dataset_id: id, month, action, detail })
  }
}
