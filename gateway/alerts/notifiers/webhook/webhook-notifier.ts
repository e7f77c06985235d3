import { createHmac } from 'node:crypto'
import type { HttpThread } from '../../../lib/http-thread.ts'
import { resultOfError, resultOfStatus } from '../http-result.ts'
import type { Notification, Notifier, SendResult } from '../notifier.ts'

export interface WebhookOptions {
  name: string
  url: string
  secret: string | null
  timeoutMs: number
  clock: () => number
  /** Sends from this thread instead of the main one (build.ts gives every webhook one). */
  http?: HttpThread
}

/** `X-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Timestamp>.<body>")>`; a receiver checks it and the timestamp's age. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * JSON POST of the notification. `Idempotency-Key` is the same on every retry, so a receiver that
 * got a copy whose answer was lost can drop the second.
 */
export class WebhookNotifier implements Notifier {
  readonly name: string
  private readonly opts: WebhookOptions

  constructor(opts: WebhookOptions) {
    this.opts = opts
    this.name = opts.name
  }

  async send(n: Notification): Promise<SendResult> {
    const body = JSON.stringify(n)
    const timestamp = String(this.opts.clock())
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': n.id,
      'x-timestamp': timestamp,
      'user-agent': 'aed-gateway',
    }
    if (this.opts.secret) headers['x-signature'] = webhookSignature(this.opts.secret, timestamp, body)
    const { url, timeoutMs, http } = this.opts
    try {
      if (http) {
        const res = await http.request({ url, method: 'POST', headers, body, timeoutMs })
        return resultOfStatus(res.status, res.text)
      }
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) })
      return resultOfStatus(res.status, await res.text())
    } catch (err) {
      return resultOfError(err)
    }
  }

  start(): void {
    this.opts.http?.start()
  }

  async close(): Promise<void> {
    await this.opts.http?.close()
  }
}
