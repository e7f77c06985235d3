import type pg from 'pg'
import type { Logger } from 'pino'
import type { AlertsConfig } from '../config.ts'
import type { Notification, Notifier } from '../notifiers/notifier.ts'
import type { DeliveryRecord } from '../ports.ts'
import { PgDeliveryStore } from './delivery-store.ts'

export interface DeliverySenderDeps {
  pool: pg.Pool
  receivers: Map<string, Notifier[]>
  config: AlertsConfig['delivery']
  pollMs: number
  /** How long a sender holds a delivery it took before another may take it. */
  claimMs: number
  log: Logger
  clock: () => number
}

/**
 * A cluster worker's notify and retry stage: takes due deliveries from PostgreSQL (claimed with
 * SKIP LOCKED, so two workers never send the same one at once), sends each, and records the
 * outcome with the same backoff as the embedded `Delivery`. A worker that dies after sending and
 * before recording leaves its claim to run out; another worker then sends again under the same
 * `Idempotency-Key`, which the receiver drops as a repeat.
 */
export class PgDeliverySender {
  private readonly deps: DeliverySenderDeps
  private readonly store: PgDeliveryStore
  private readonly notifiers = new Map<string, Notifier>()
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private again = false

  constructor(deps: DeliverySenderDeps) {
    this.deps = deps
    this.store = new PgDeliveryStore(deps.pool)
    for (const list of deps.receivers.values()) for (const n of list) this.notifiers.set(n.name, n)
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.deps.pollMs)
    this.timer.unref()
  }

  /** Looks for due deliveries now (after a transaction queued some). */
  wake(): void {
    if (this.timer === null) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.round()
      .catch((err: unknown) => this.deps.log.warn({ err }, 'delivery round failed'))
      .finally(() => {
        this.running = null
        if (this.again) {
          this.again = false
          this.wake()
        }
      })
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  private async round(): Promise<void> {
    for (;;) {
      const now = this.deps.clock()
      const rows = await this.store.claimDue(now, 20, this.deps.claimMs)
      if (rows.length === 0) return
      await Promise.all(rows.map((r) => this.send(r)))
      if (this.timer === null) return
    }
  }

  private async send(r: DeliveryRecord): Promise<void> {
    const { log, config, clock } = this.deps
    const notifier = this.notifiers.get(r.notifier)
    if (!notifier) {
      await this.store.failed(r.id, `notifier ${r.notifier} no longer configured`, null)
      return
    }
    let result: Awaited<ReturnType<Notifier['send']>>
    try {
      result = await notifier.send(JSON.parse(r.payload) as Notification)
    } catch (err) {
      result = { ok: false, retryable: true, error: (err as Error).message }
    }
    const attempts = r.attempts + 1
    if (result.ok) {
      await this.store.delivered(r.id)
      log.debug({ delivery: r.id, attempts }, 'notification delivered')
      return
    }
    const now = clock()
    const expired = config.give_up_after_ms > 0 && now - r.created_ms >= config.give_up_after_ms
    if (!result.retryable || expired) {
      log.error({ delivery: r.id, attempts, error: result.error }, 'notification failed: giving up')
      await this.store.failed(r.id, result.error, attempts)
      return
    }
    const backoff = Math.min(config.retry_max_ms, config.retry_base_ms * 2 ** Math.min(attempts - 1, 30))
    const next = now + Math.round(backoff / 2 + (Math.random() * backoff) / 2)
    log.warn({ delivery: r.id, attempts, error: result.error }, 'notification not delivered: will retry')
    await this.store.retryAt(r.id, attempts, next, result.error)
  }
}
