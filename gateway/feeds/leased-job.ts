import type { Logger } from 'pino'
import type { LeaderLease } from '../lib/postgres/leader-lease.ts'

export interface LeasedJobDeps {
  lease: Pick<LeaderLease, 'held' | 'tryAcquire' | 'release'>
  intervalMs: number
  log: Logger
  /**
   * One round of the job, run only by the lease's holder. `taken` is true on the first round after
   * this worker took the lease (then it must read what the previous holder left in the shared
   * store, never trust what it remembers from an earlier term).
   */
  run: (taken: boolean) => Promise<void>
}

/**
 * A scheduled job that runs on one worker of a cluster at a time (docs/cluster.md, "Scheduled jobs
 * once"): every `intervalMs` each worker asks for the job's lease (a PostgreSQL session advisory
 * lock, `LeaderLease`); the one that holds it runs a round. When the holder dies its connection
 * ends, PostgreSQL drops the lock, and another worker's next tick takes it. What a round does must
 * be safe to do again (a holder may die after acting and before recording it): each job keeps
 * its progress in PostgreSQL, keyed by what it produces (a month, a snapshot's ETag).
 */
export class LeasedJob {
  private readonly deps: LeasedJobDeps
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private holding = false
  /** A round failed: the next one starts over from the shared store, as a new term would. */
  private stale = false
  private rounds = 0

  constructor(deps: LeasedJobDeps) {
    this.deps = deps
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
    this.holding = false
    await this.deps.lease.release()
  }

  /** Whether this worker held the lease at its last tick. */
  get leader(): boolean {
    return this.holding && this.deps.lease.held
  }

  /** Rounds this worker ran. */
  get counts(): { rounds: number } {
    return { rounds: this.rounds }
  }

  /** One tick now (also what the timer does); a tick still running is joined. */
  tick(): Promise<void> {
    this.running ??= this.round().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async round(): Promise<void> {
    const { lease, log } = this.deps
    try {
      // a lease lost since the last tick (connection gone) is a new term when taken again
      const taken = !(this.holding && lease.held)
      this.holding = await lease.tryAcquire()
      if (!this.holding) return
      if (taken) log.info('job lease taken')
      this.rounds++
      const fresh = taken || this.stale
      this.stale = false
      await this.deps.run(fresh)
    } catch (err) {
      this.stale = true
      log.error({ err }, 'scheduled job round failed')
    }
  }
}
