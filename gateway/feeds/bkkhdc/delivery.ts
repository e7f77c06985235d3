import type { Logger } from 'pino'
import type { ExportItem, ExportStore } from './export-store.ts'

/** The host a dataset goes to, for the audit log. */
function hostOf(url: string): string {
  return new URL(url).host
}

export interface DeliveryConfig {
  url: string | null
  token: string | null
  retry_base_ms: number
  retry_max_ms: number
  give_up_after_ms: number
  timeout_ms: number
}

export interface ExportDeliveryDeps {
  store: ExportStore
  config: DeliveryConfig
  log: Logger
  clock: () => number
  fetch?: typeof fetch
}

// Worth retrying: the receiver may take it later (RFC 9110 §15.5.9 408, RFC 8470 425, RFC 6585
// 429; 409 is a concurrent request with the same Idempotency-Key still in progress).
const RETRYABLE_4XX = new Set([408, 409, 425, 429])

/**
 * Sends pending datasets from the durable outbox: one HTTPS POST each, JSON body
 * `{manifest, files}`, bearer token, the dataset id as `Idempotency-Key`. 2xx → delivered (never
 * sent again); network error, 5xx or a retryable 4xx → retried after retry_base_ms doubling up to
 * retry_max_ms, across restarts, until give_up_after_ms; any other 4xx → failed at once.
 */
export class ExportDelivery {
  private readonly deps: ExportDeliveryDeps
  private running: Promise<void> | null = null

  constructor(deps: ExportDeliveryDeps) {
    this.deps = deps
  }

  tick(): Promise<void> {
    if (this.running) return this.running
    this.running = this.sendDue().finally(() => {
      this.running = null
    })
    return this.running
  }

  async idle(): Promise<void> {
    await this.running
  }

  private async sendDue(): Promise<void> {
    if (!this.deps.config.url) return
    for (const item of await this.deps.store.due(this.deps.clock())) await this.send(item)
  }

  private async send(item: ExportItem): Promise<void> {
    const { store, config, log, clock } = this.deps
    const url = config.url as string
    const body = JSON.stringify({ manifest: item.manifest, files: await store.files(item.dataset_id) })
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'idempotency-key': item.dataset_id,
      'x-dataset-id': item.dataset_id,
    }
    if (config.token) headers.authorization = `Bearer ${config.token}`
    let status = 0
    let error: string
    try {
      const res = await (this.deps.fetch ?? fetch)(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(config.timeout_ms),
      })
      status = res.status
      await res.body?.cancel()
      if (res.ok) {
        const now = clock()
        await store.delivered(item.dataset_id, now)
        await store.audit({
          at_ms: now,
          dataset_id: item.dataset_id,
          month: item.month,
          action: 'delivered',
          detail: {
            status,
            attempt: item.attempts + 1,
            destination_host: hostOf(url),
            files: Object.fromEntries(item.manifest.files.map((f) => [f.name, f.sha256])),
          },
        })
        log.info({ dataset: item.dataset_id, attempt: item.attempts + 1 }, 'BKKHDC dataset delivered')
        return
      }
      error = `HTTP ${status}`
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
    }
    await this.failed(item, error, status)
  }

  private async failed(item: ExportItem, error: string, status: number): Promise<void> {
    const { store, config, log, clock } = this.deps
    const now = clock()
    const attempt = item.attempts + 1
    const permanent = status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)
    const expired = config.give_up_after_ms > 0 && now - item.created_ms >= config.give_up_after_ms
    const delay = Math.min(config.retry_max_ms, config.retry_base_ms * 2 ** Math.min(attempt - 1, 30))
    const next = permanent || expired ? null : now + delay
    await store.attemptFailed(item.dataset_id, error, next)
    await store.audit({
      at_ms: now,
      dataset_id: item.dataset_id,
      month: item.month,
      action: next === null ? 'failed' : 'attempt_failed',
      detail: {
        error,
        attempt,
        destination_host: config.url ? hostOf(config.url) : null,
        ...(next === null ? {} : { next_attempt_ms: next }),
      },
    })
    if (next === null)
      log.error(
        { dataset: item.dataset_id, error, attempt },
        'BKKHDC delivery given up; rebuild with POST …?force=true',
      )
    else
      log.warn(
        { dataset: item.dataset_id, error, attempt, retry_in_ms: delay },
        'BKKHDC delivery failed; will retry',
      )
  }
}
