import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type { AlertsConfig } from './config.ts'
import type { Notification, Notifier } from './notifiers/notifier.ts'

export interface DeliveryDeps {
  db: Database.Database
  receivers: Map<string, Notifier[]>
  config: AlertsConfig['delivery']
  log: Logger
  clock: () => number
  /** Observes each attempt (metrics, tests). */
  onAttempt?: (notifier: string, ok: boolean) => void
}

interface Row {
  id: string
  notifier: string
  payload: string
  created_ms: number
  attempts: number
  next_ms: number
}

/**
 * The notify and retry stages: every notification is written to state.db for each notifier of its
 * receiver before the first attempt, so one that could not be delivered is retried after a
 * restart. Retryable failures back off exponentially (with jitter) up to retry_max_ms.
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

  start(): void {
    this.deps.db.exec(`
      CREATE TABLE IF NOT EXISTS alert_deliveries (
        id TEXT PRIMARY KEY,
        notifier TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_ms INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        last_error TEXT
      );
      CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries (state, next_ms);
    `)
  }

  /** Lets attempts in flight finish (they are still on disk if they do not). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.running])
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
    const insert = this.deps.db.prepare(
      'INSERT OR IGNORE INTO alert_deliveries (id, notifier, payload, created_ms, next_ms) VALUES (?, ?, ?, ?, ?)',
    )
    const rows: Row[] = list.map((x) => ({
      id: `${n.id}/${x.name}`,
      notifier: x.name,
      payload,
      created_ms: now,
      attempts: 0,
      next_ms: now,
    }))
    this.deps.db.transaction(() => {
      for (const r of rows) insert.run(r.id, r.notifier, r.payload, r.created_ms, r.next_ms)
    })()
    for (const r of rows) this.attempt(r)
  }

  /** Retries what is due (the scheduler tick). */
  tick(): void {
    const rows = this.deps.db
      .prepare(`SELECT id, notifier, payload, created_ms, attempts, next_ms FROM alert_deliveries
        WHERE state = 'pending' AND next_ms <= ? ORDER BY next_ms LIMIT 200`)
      .all(this.deps.clock()) as Row[]
    for (const r of rows) this.attempt(r)
  }

  pending(): number {
    return (
      this.deps.db.prepare(`SELECT count(*) AS n FROM alert_deliveries WHERE state = 'pending'`).get() as {
        n: number
      }
    ).n
  }

  /** Resolves when no attempt is in flight (tests, stop). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  private attempt(r: Row): void {
    if (this.inFlight.has(r.id)) return
    const notifier = this.notifiers.get(r.notifier)
    if (!notifier) {
      this.finish(r.id, 'failed', `notifier ${r.notifier} no longer configured`)
      return
    }
    this.inFlight.add(r.id)
    const p = this.run(notifier, r).finally(() => {
      this.inFlight.delete(r.id)
      this.running.delete(p)
    })
    this.running.add(p)
  }

  private async run(notifier: Notifier, r: Row): Promise<void> {
    const { log, config, clock } = this.deps
    let result: Awaited<ReturnType<Notifier['send']>>
    try {
      result = await notifier.send(JSON.parse(r.payload) as Notification)
    } catch (err) {
      result = { ok: false, retryable: true, error: (err as Error).message }
    }
    this.deps.onAttempt?.(notifier.name, result.ok)
    if (result.ok) {
      this.deps.db.prepare('DELETE FROM alert_deliveries WHERE id = ?').run(r.id)
      log.debug({ delivery: r.id, attempts: r.attempts + 1 }, 'notification delivered')
      return
    }
    const now = clock()
    const attempts = r.attempts + 1
    const expired = config.give_up_after_ms > 0 && now - r.created_ms >= config.give_up_after_ms
    if (!result.retryable || expired) {
      log.error({ delivery: r.id, attempts, error: result.error }, 'notification failed: giving up')
      this.finish(r.id, 'failed', result.error, attempts)
      return
    }
    const backoff = Math.min(config.retry_max_ms, config.retry_base_ms * 2 ** Math.min(attempts - 1, 30))
    const next = now + Math.round(backoff / 2 + (Math.random() * backoff) / 2)
    log.warn(
      { delivery: r.id, attempts, error: result.error, retry_in_ms: next - now },
      'notification not delivered: will retry',
    )
    this.deps.db
      .prepare('UPDATE alert_deliveries SET attempts = ?, next_ms = ?, last_error = ? WHERE id = ?')
      .run(attempts, next, result.error, r.id)
  }

  private finish(id: string, state: 'failed', error: string, attempts?: number): void {
    this.deps.db
      .prepare(
        'UPDATE alert_deliveries SET state = ?, last_error = ?, attempts = coalesce(?, attempts) WHERE id = ?',
      )
      .run(state, error, attempts ?? null, id)
  }
}
