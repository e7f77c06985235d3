import cron, { type ScheduledTask } from 'node-cron'
import type { Logger } from 'pino'
import type { FeedsConfig } from '../config.ts'
import { LeasedJob, type LeasedJobDeps } from '../leased-job.ts'
import type { FeedJobStore } from '../ports.ts'
import type { BkkhdcExports } from './exports.ts'
import { previousMonth } from './period.ts'

export interface BkkhdcClusterJobDeps {
  exports: BkkhdcExports
  store: FeedJobStore
  lease: LeasedJobDeps['lease']
  config: FeedsConfig['bkkhdc']
  clock: () => number
  log: Logger
}

/**
 * The monthly BKKHDC build and its delivery in cluster mode, once across workers. Every worker's
 * schedule (node-cron, Asia/Bangkok) records the previous month as due in PostgreSQL
 * (`bkkhdc_due`, once per month whoever records it); the holder of the `bkkhdc` lease builds each
 * due month not done yet, marks it done, and sends pending datasets. A holder that dies mid-build
 * leaves the month not done, and the next holder builds it: the build is skipped when the month
 * is in `bkkhdc_exports` already (one build per month, `UNIQUE (month, revision)` besides), and a
 * delivery cut off after sending goes again under the same `Idempotency-Key` (the dataset id). A
 * failed build is retried with the embedded mode's back-off (`BkkhdcExports.lateBuild`).
 */
export class BkkhdcClusterJob {
  private readonly deps: BkkhdcClusterJobDeps
  readonly job: LeasedJob
  private task: ScheduledTask | null = null

  constructor(deps: BkkhdcClusterJobDeps) {
    this.deps = deps
    this.job = new LeasedJob({
      lease: deps.lease,
      intervalMs: deps.config.tick_ms,
      log: deps.log,
      run: () => this.round(),
    })
  }

  start(): void {
    const { config, log } = this.deps
    if (config.schedule)
      this.task = cron.schedule(
        config.schedule,
        () =>
          this.due().catch((err: unknown) => log.error({ err }, 'could not record the BKKHDC build as due')),
        { timezone: 'Asia/Bangkok', name: 'bkkhdc-monthly-due' },
      )
    this.job.start()
    if (!config.url) log.info('BKKHDC delivery off: feeds.bkkhdc.url (AEDGW_BKKHDC_URL) is not set')
  }

  async stop(): Promise<void> {
    await this.task?.destroy()
    this.task = null
    await this.job.stop()
    await this.deps.exports.stop()
  }

  /** What the schedule runs: the previous month is due; the lease holder's next round builds it. */
  async due(): Promise<void> {
    const now = this.deps.clock()
    await this.deps.store.markDue(previousMonth(now), now)
    await this.job.tick()
  }

  private async round(): Promise<void> {
    const { exports, store, clock } = this.deps
    for (const month of await store.pendingMonths()) {
      const late = exports.lateBuild()
      const retry = late?.month === month
      if (retry && clock() < late.next_attempt_ms) continue
      if (await exports.scheduledMonth(month, retry ? 'schedule_retry' : 'schedule'))
        await store.monthDone(month, clock())
    }
    await exports.delivery.tick()
  }
}
