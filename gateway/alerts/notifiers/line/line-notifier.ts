import { createHash } from 'node:crypto'
import { renderMinimal } from '../../messages.ts'
import { resultOfError, resultOfStatus } from '../http-result.ts'
import type { Notification, Notifier, SendResult } from '../notifier.ts'

export interface LineOptions {
  name: string
  baseUrl: string
  channelAccessToken: string
  to: string
  timeoutMs: number
}

/** LINE wants a UUID as X-Line-Retry-Key: derived from the notification id so every retry sends the same one. */
export function lineRetryKey(id: string): string {
  const h = createHash('sha256').update(id).digest('hex')
  const variant = ((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

/**
 * LINE Messaging API push message
 * (https://developers.line.biz/en/reference/messaging-api/#send-push-message): POST
 * {base}/v2/bot/message/push, Bearer channel access token, body {to, messages[≤5]}, text ≤ 5000
 * characters. A 409 for a retry key means LINE already accepted that request: delivered. The text
 * is minimal (what, which district, the console link): chat messages show on lock screens and
 * stay on phones; the detail is behind the link.
 */
export class LineNotifier implements Notifier {
  readonly name: string
  private readonly opts: LineOptions

  constructor(opts: LineOptions) {
    this.opts = opts
    this.name = opts.name
  }

  async send(n: Notification): Promise<SendResult> {
    const text = renderMinimal(n, 5000)
    const body = JSON.stringify({ to: this.opts.to, messages: [{ type: 'text', text }] })
    try {
      const res = await fetch(`${this.opts.baseUrl.replace(/\/$/, '')}/v2/bot/message/push`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.opts.channelAccessToken}`,
          'x-line-retry-key': lineRetryKey(n.id),
        },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      })
      const answer = await res.text()
      if (res.status === 409 && res.headers.get('x-line-accepted-request-id')) return { ok: true }
      return resultOfStatus(res.status, answer)
    } catch (err) {
      return resultOfError(err)
    }
  }
}
