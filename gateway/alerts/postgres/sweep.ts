import type pg from 'pg'
import type { Logger } from 'pino'
import type { LeaderLease } from '../../lib/postgres/leader-lease.ts'
import type { CabinetStep, StepResult } from './cabinet-step.ts'
import type { DistrictStep } from './district-step.ts'
import type { PgStateTransaction } from './state-transaction.ts'

export interface PgSweepDeps {
  pool: pg.Pool
  /** Only its holder sweeps: one worker at a time across the cluster. */
  lease: Pick<LeaderLease, 'runIfLeader' | 'release' | 'held'>
  tx: PgStateTransaction
  step: CabinetStep
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
 * Each cabinet is its own `withCabinet` transaction, under the same advisory lock as a worker
 * ingesting that cabinet's messages, so the two run one after the other and the second sees the
 * first's alerts. The lease only saves work: two sweepers at once (a holder whose connection
 * hangs unnoticed) would still open each alert once (the lock, `alerts_one_open`) and queue each
 * notification once (unique delivery keys). When the holder dies its lease connection closes,
 * PostgreSQL drops the lock, and another worker's next tick takes it.
 */
export class PgSweep {
  private readonly deps: PgSweepDeps
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  /** Rounds run while holding the lease, cabinets and districts swept, alerts opened and resolved. */
  readonly counts = { rounds: 0, cabinets: 0, opened: 0, resolved: 0, failed: 0 }

  constructor(deps: PgSweepDeps) {
    this.deps = deps
  }

  get leader(): boolean {
    return this.deps.lease.held
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.deps.intervalMs)
    this.timer.unref()
  }

  /** Stops ticking, lets the round in flight end, and gives the lease up for another worker. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
    await this.deps.lease.release()
  }

  private tick(): void {
    if (this.running || this.timer === null) return
    this.running = this.deps.lease
      .runIfLeader(() => this.round())
      .then(() => undefined)
      .catch((err: unknown) => this.deps.log.warn({ err }, 'sweep failed'))
      .finally(() => {
        this.running = null
      })
  }

  private async round(): Promise<void> {
    const { rows } = await this.deps.pool.query<{ cabinet: string }>(
      'SELECT cabinet FROM live_state ORDER BY cabinet',
    )
    const ids = rows.map((r) => r.cabinet)
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

  /** Runs `fn` over the subjects, `concurrency` at a time, while this worker holds the lease. */
  private async each(
    subjects: string[],
    queued: { n: number },
    fn: (subject: string) => Promise<StepResult>,
  ): Promise<void> {
    let next = 0
    const lane = async () => {
      // a lease lost mid-round (its connection dropped): another worker sweeps now
      while (next < subjects.length && this.deps.lease.held && this.timer !== null) {
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
