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
  /** Told while a scheduled build is late (failed, retrying), and with null once it is built. */
  onLate?: (late: LateBuild | null) => void
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
/** A scheduled build that failed and is being retried. */
export interface LateBuild {
  month: string
  attempts: number
  /** When the first attempt failed. */
  since_ms: number
  next_attempt_ms: number
  error: string
}

const SCHEDULED = new Set(['schedule', 'schedule_retry'])

/**
 * The monthly BKKHDC dataset: scheduled build of the previous month (node-cron, Asia/Bangkok),
 * build on request, durable delivery. A month is built and delivered once; a second build of it
 * happens only when an admin asks for it (`force`) with a reason, goes out under a new dataset
 * id, and reuses the first build's suppression pattern (or is withheld when it cannot). A scheduled
 * build that fails (InfluxDB down at 02:00 on the 20th) is retried with the deliveries' back-off
 * (retry_base_ms doubling up to retry_max_ms) until it succeeds, also after a restart (its
 * `build_failed` audit entry says so), and `onLate` raises an operator alert meanwhile.
 */
export class BkkhdcExports {
  private readonly deps: BkkhdcExportsDeps
  readonly delivery: ExportDelivery
  private task: ScheduledTask | null = null
  private timer: NodeJS.Timeout | null = null
  private late: LateBuild | null = null
  private resumed = false
  private running: Promise<void> | null = null

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
      this.retryTick().catch((err: unknown) => log.error({ err }, 'BKKHDC build retry failed'))
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
    await this.running
  }

  /** The scheduled build being retried, if one is late. */
  lateBuild(): LateBuild | null {
    return this.late ? { ...this.late } : null
  }

  /** When the scheduled build runs next (from the injected clock), or null when unscheduled. */
  nextRunMs(): number | null {
    const s = this.deps.config.schedule
    return s ? nextRun(s, this.deps.clock()) : null
  }

  /** The scheduled job: the previous month, unless it was built already. */
  scheduled(): Promise<void> {
    return this.once(() => this.runScheduled(previousMonth(this.deps.clock()), 'schedule'))
  }

  /** Retries a late scheduled build when its time has come; after a restart, finds it first. */
  async retryTick(): Promise<void> {
    if (!this.resumed) {
      this.resumed = true
      await this.once(() => this.resume())
    }
    const late = this.late
    if (!late || this.deps.clock() < late.next_attempt_ms) return
    await this.once(() => this.runScheduled(late.month, 'schedule_retry'))
  }

  /** One scheduled build or retry at a time. */
  private once(fn: () => Promise<void>): Promise<void> {
    if (this.running) return this.running
    this.running = fn().finally(() => {
      this.running = null
    })
    return this.running
  }

  /**
   * The scheduled build of a given month (cluster mode: the month the schedule recorded as due),
   * skipped when built already; true once the month is built, false when the attempt failed and
   * is late (`lateBuild()` says when to try again).
   */
  scheduledMonth(month: string, trigger: 'schedule' | 'schedule_retry'): Promise<boolean> {
    return this.once(() => this.runScheduled(month, trigger)).then(() => this.late?.month !== month)
  }

  private async runScheduled(month: string, trigger: string): Promise<void> {
    const { log, config, clock } = this.deps
    try {
      if ((await this.deps.store.forMonth(month)).length > 0) {
        if (trigger === 'schedule')
          await this.audit('skipped', null, month, { reason: 'already built', trigger })
      } else await this.build(month, { force: false, trigger, actor: 'schedule' })
      if (this.late) log.info({ month, attempts: this.late.attempts + 1 }, 'late BKKHDC build done')
      this.setLate(null)
    } catch (err) {
      const now = clock()
      const prev = this.late?.month === month ? this.late : null
      const attempts = (prev?.attempts ?? 0) + 1
      const delay = Math.min(config.retry_max_ms, config.retry_base_ms * 2 ** Math.min(attempts - 1, 30))
      const error = err instanceof Error ? err.message : String(err)
      this.setLate({ month, attempts, since_ms: prev?.since_ms ?? now, next_attempt_ms: now + delay, error })
      log.error(
        { err, month, attempts, retry_at: new Date(now + delay).toISOString() },
        'scheduled BKKHDC build failed; retrying',
      )
    }
  }

  /** A scheduled build whose last attempt failed before a restart, and whose month is still unbuilt. */
  private async resume(): Promise<void> {
    if (this.late) return
    const entries = await this.deps.store.auditLog(200)
    const last = entries.find((e) => e.month && SCHEDULED.has(String(e.detail.trigger)))
    if (!last?.month || last.action !== 'build_failed') return
    if ((await this.deps.store.forMonth(last.month)).length > 0) return
    const failures = entries.filter((e) => e.month === last.month && e.action === 'build_failed')
    const first = failures[failures.length - 1] ?? last
    this.setLate({
      month: last.month,
      attempts: failures.length,
      since_ms: first.at_ms,
      next_attempt_ms: this.deps.clock(),
      error: String(last.detail.error ?? 'unknown'),
    })
  }

  private setLate(late: LateBuild | null): void {
    if (late === null && this.late === null) return
    this.late = late
    this.deps.onLate?.(late ? { ...late } : null)
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
