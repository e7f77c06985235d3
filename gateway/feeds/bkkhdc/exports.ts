import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import { AedgwError } from '../../lib/errors.ts'
import type { FeedsConfig } from '../config.ts'
import { type BuilderDeps, buildMonth } from './builder.ts'
import { datasetId } from './dataset.ts'
import { ExportDelivery } from './delivery.ts'
import type { ExportItem, ExportStore } from './export-store.ts'
import { monthEnded, periodOf, previousMonth } from './period.ts'
import { nextRun } from './schedule.ts'

export interface BkkhdcExportsDeps extends BuilderDeps {
  config: FeedsConfig['bkkhdc']
  store: ExportStore
  log: Logger
  fetch?: typeof fetch
}

/**
 * The monthly BKKHDC dataset: scheduled build of the previous month (node-cron, Asia/Bangkok),
 * build on request, durable delivery. A month is built and delivered once; a second build of it
 * happens only when asked for (`force`) and goes out under a new dataset id.
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
      await this.build(month, { force: false, trigger: 'schedule' })
    } catch (err) {
      this.deps.log.error({ err, month }, 'scheduled BKKHDC build failed')
    }
  }

  /** Builds a finished month and queues it for delivery. */
  async build(month: string, opts: { force: boolean; trigger: string }): Promise<ExportItem> {
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
    const revision = (latest?.revision ?? 0) + 1
    const id = datasetId(month, revision)
    let ds: Awaited<ReturnType<typeof buildMonth>>
    try {
      ds = await buildMonth(this.deps, month, id)
    } catch (err) {
      await this.audit('build_failed', id, month, { trigger: opts.trigger, error: String(err) })
      const message = `could not read InfluxDB history: ${String(err)}`
      throw new AedgwError('AEDGW_ERR_INFLUX_UNAVAILABLE', message, { cause: err })
    }
    await store.insert(ds, revision, clock())
    const rows = Object.fromEntries(ds.manifest.files.map((f) => [f.name, f.rows]))
    await this.audit('built', id, month, { trigger: opts.trigger, rows })
    log.info({ dataset: id, rows, trigger: opts.trigger }, 'BKKHDC dataset built and queued')
    void this.delivery.tick().catch((err: unknown) => log.error({ err }, 'BKKHDC delivery failed'))
    return (await store.forMonth(month))[0] as ExportItem
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
