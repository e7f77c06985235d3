import type { Logger } from 'pino'
import type { AlertsConfig } from './config.ts'
import type { Notification, Notifier } from './notifiers/notifier.ts'
import type { DeliveryRecord, DeliveryStore } from './ports.ts'

export interface DeliveryDeps {
  store: DeliveryStore
  receivers: Map<string, Notifier[]>
  config: AlertsConfig['delivery']
  log: Logger
  clock: () => number
  /** Uniform in [0, 1), for the retry jitter; Math.random unless a test fixes it. */
  random?: () => number
  /** Observes each attempt (metrics, tests). */
  onAttempt?: (notifier: string, ok: boolean) => void
}

/**
 * The notify and retry stages: every notification is written to the delivery store for each
 * notifier of its receiver before the first attempt, so one that could not be delivered is
 * retried after a restart. Retryable failures back off exponentially (with jitter) up to
 * retry_max_ms.
 */
export class Delivery {
  private readonly deps: DeliveryDeps
  private readonly notifiers = new Map<string, Notifier>()
  private readonly inFlight = new Set<string>()
  private readonly running = new Set<Promise<void>>()

  constructor(deps: DeliveryDeps) {
    this.deps = deps
    for (const list of deps.receivers.values()) for (const n of list) this.notifiers.set(n.name, n)
  }

  /** Starts what the notifiers send with (the webhooks' thread). */
  start(): void {
    for (const n of this.notifiers.values()) n.start?.()
  }

  /** Lets attempts in flight finish (they are still on disk if they do not). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.running])
    await Promise.allSettled([...this.notifiers.values()].map(async (n) => n.close?.()))
  }

  /** Stores one delivery per notifier of the receiver, then tries each at once. */
  enqueue(receiver: string, n: Notification): void {
    const list = this.deps.receivers.get(receiver) ?? []
    if (list.length === 0) {
      this.deps.log.warn({ receiver }, 'no notifier for receiver: notification dropped')
      return
    }
    const now = this.deps.clock()
    const payload = JSON.stringify(n)
    const rows: DeliveryRecord[] = list.map((x) => ({
      id: `${n.id}/${x.name}`,
      notifier: x.name,
      payload,
      created_ms: now,
      attempts: 0,
      next_ms: now,
    }))
    this.deps.store.enqueue(rows)
    for (const r of rows) this.attempt(r)
  }

  /** Retries what is due (the scheduler tick). */
  tick(): void {
    const rows = this.deps.store.due(this.deps.clock(), 200)
    for (const r of rows) this.attempt(r)
  }

  pending(): number {
    return this.deps.store.pendingCount()
  }

  /** Resolves when no attempt is in flight (tests, stop). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  private attempt(r: DeliveryRecord): void {
    if (this.inFlight.has(r.id)) return
    const notifier = this.notifiers.get(r.notifier)
    if (!notifier) {
      this.finish(r.id, `notifier ${r.notifier} no longer configured`)
      return
    }
    this.inFlight.add(r.id)
    const p = this.run(notifier, r).finally(() => {
      this.inFlight.delete(r.id)
      this.running.delete(p)
    })
    this.running.add(p)
  }

  private async run(notifier: Notifier, r: DeliveryRecord): Promise<void> {
    const { log, config, clock } = this.deps
    let result: Awaited<ReturnType<Notifier['send']>>
    try {
      result = await notifier.send(JSON.parse(r.payload) as Notification)
    } catch (err) {
      result = { ok: false, retryable: true, error: (err as Error).message }
    }
    this.deps.onAttempt?.(notifier.name, result.ok)
    if (result.ok) {
      this.deps.store.delivered(r.id)
      log.debug({ delivery: r.id, attempts: r.attempts + 1 }, 'notification delivered')
      return
    }
    const now = clock()
    const attempts = r.attempts + 1
    const expired = config.give_up_after_ms > 0 && now - r.created_ms >= config.give_up_after_ms
    if (!result.retryable || expired) {
      log.error({ delivery: r.id, attempts, error: result.error }, 'notification failed: giving up')
      this.finish(r.id, result.error, attempts)
      return
    }
    const backoff = Math.min(config.retry_max_ms, config.retry_base_ms * 2 ** Math.min(attempts - 1, 30))
    const random = this.deps.random ?? Math.random
    const next = now + Math.round(backoff / 2 + (random() * backoff) / 2)
    log.warn(
      { delivery: r.id, attempts, error: result.error, retry_in_ms: next - now },
      'notification not delivered: will retry',
    )
    this.deps.store.retryAt(r.id, attempts, next, result.error)
  }

  private finish(id: string, error: string, attempts?: number): void {
    this.deps.store.failed(id, error, attempts ?? null)
  }
}
