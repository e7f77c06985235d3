import type pg from 'pg'
import type { Logger } from 'pino'
import type { LeaderLease } from '../../lib/postgres/leader-lease.ts'
import { PgLiveStateStore } from '../../state/postgres/live-state-store.ts'
import type { CabinetStep, StepResult } from './cabinet-step.ts'
import type { DistrictStep } from './district-step.ts'
import type { PgStateTransaction } from './state-transaction.ts'
import { readSweepView, type SweepFilter } from './sweep-filter.ts'

export interface PgSweepDeps {
  pool: pg.Pool
  /** Only its holder sweeps: one worker at a time across the cluster. */
  lease: Pick<LeaderLease, 'runIfLeader' | 'release' | 'held'>
  tx: PgStateTransaction
  step: CabinetStep
  /** Which cabinets the round could change: only those get a transaction. */
  filter: SweepFilter
  district: DistrictStep
  /** Registered, active cabinets by district code (the district outage's denominators). */
  districts: () => Map<string, string[]>
  /** `alerts.sweep_interval_ms`, as in embedded mode. */
  intervalMs: number
  /** Cabinet transactions in flight at once (the pool is shared with ingest). */
  concurrency: number
  log: Logger
  /** After a round queued notifications (the delivery sender looks for them). */
  onQueued: (deliveries: number) => void
  clock: () => number
  /** Live states read per query while the round looks at every cabinet (5,000). */
  pageSize?: number
}

/**
 * Worker mode's periodic rule sweep, the twin of the embedded `Evaluator.sweep`: every
 * `intervalMs` the lease holder evaluates every cabinet that has a live state, with no reading,
 * so that the conditions time alone makes true fire on time: offline by missing heartbeats (a
 * cabinet gone silent sends nothing that would trigger them), door left open, overdue
 * self-test, `for_ms` holds; and it sends what waits on time: notifications held by a silence
 * that has ended, escalation steps. After the cabinets, each district's outage alert
 * (./district-step.ts) from the offline alerts the round left open.
 *
 * A round first reads, without locks, the open alerts and stage keys in one query each and the
 * live states a page at a time, and runs the rules over them in memory (./sweep-filter.ts): only
 * the cabinets where the round could change something (an alert to open, resolve, reopen or
 * re-rate, a hold, a held notification, a due escalation) get a transaction, so a round over a
 * quiet fleet of 100,000 cabinets is a few reads, not 100,000 round trips.
 *
 * Each of those is its own `withCabinet` transaction, under the same advisory lock as a worker
 * ingesting that cabinet's messages, so the two run one after the other and the second sees the
 * first's alerts. The lease only saves work: two sweepers at once (a holder whose connection
 * hangs unnoticed) would still open each alert once (the lock, `alerts_one_open`) and queue each
 * notification once (unique delivery keys). When the holder dies its lease connection closes,
 * PostgreSQL drops the lock, and another worker's next tick takes it.
 */
export class PgSweep {
  private readonly deps: PgSweepDeps
  private timer: NodeJS.Timeout | null = null
  private stopped = false
  private running: Promise<void> | null = null
  /**
   * Rounds run while holding the lease; cabinets looked at in memory; cabinets and districts
   * swept in a transaction; alerts opened and resolved; failed transactions.
   */
  readonly counts = { rounds: 0, looked: 0, cabinets: 0, opened: 0, resolved: 0, failed: 0 }

  constructor(deps: PgSweepDeps) {
    this.deps = deps
  }

  get leader(): boolean {
    return this.deps.lease.held
  }

  start(): void {
    this.stopped = false
    this.timer = setInterval(() => this.tick(), this.deps.intervalMs)
    this.timer.unref()
  }

  /** Stops ticking, lets the round in flight end, and gives the lease up for another worker. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
    await this.deps.lease.release()
  }

  /** One round now, if this worker holds (or takes) the lease; resolves with whether it ran. */
  async sweepNow(): Promise<boolean> {
    return (await this.deps.lease.runIfLeader(() => this.round())).ran
  }

  private tick(): void {
    if (this.running || this.stopped) return
    this.running = this.sweepNow()
      .then(() => undefined)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'sweep failed'))
      .finally(() => {
        this.running = null
      })
  }

  private async round(): Promise<void> {
    const ids = await this.dueCabinets()
    const queued = { n: 0 }
    await this.each(ids, queued, (cabinet) =>
      this.deps.tx.withCabinet(cabinet, (unit) => this.deps.step.sweep(unit, cabinet)),
    )
    const districts = this.deps.districts()
    await this.each([...districts.keys()], queued, (code) =>
      this.deps.tx.withCabinet(`district-${code}`, (unit) =>
        this.deps.district.apply(unit, code, districts.get(code) ?? []),
      ),
    )
    this.counts.rounds++
    if (queued.n > 0) this.deps.onQueued(queued.n)
  }

  /** The cabinets this round could change, from lock-free reads (a page of live states at a time). */
  private async dueCabinets(): Promise<string[]> {
    const { pool, filter, clock } = this.deps
    const view = await readSweepView(pool)
    const due: string[] = []
    const pageSize = this.deps.pageSize ?? 5000
    let after = ''
    for (;;) {
      const page = await new PgLiveStateStore(pool).loadLean(after, pageSize)
      const now = clock()
      for (const { cabinet, live } of page) if (filter.wouldAct(cabinet, live, view, now)) due.push(cabinet)
      this.counts.looked += page.length
      if (page.length < pageSize || this.stopped || !this.deps.lease.held) break
      after = (page[page.length - 1] as { cabinet: string }).cabinet
    }
    return due
  }

  /** Runs `fn` over the subjects, `concurrency` at a time, while this worker holds the lease. */
  private async each(
    subjects: string[],
    queued: { n: number },
    fn: (subject: string) => Promise<StepResult>,
  ): Promise<void> {
    let next = 0
    const lane = async () => {
      // a lease lost mid-round (its connection dropped): another worker sweeps now
      while (next < subjects.length && this.deps.lease.held && !this.stopped) {
        const subject = subjects[next++] as string
        try {
          const r = await fn(subject)
          this.counts.cabinets++
          this.counts.opened += r.opened.length
          this.counts.resolved += r.resolved.length
          queued.n += r.deliveries.length
        } catch (err) {
          this.counts.failed++
          this.deps.log.error({ err, subject }, 'sweep of a cabinet or district failed')
        }
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, this.deps.concurrency) }, lane))
  }
}
