import type { Logger } from 'pino'
import { HttpThread } from '../../lib/http-thread.ts'
import type { AlertsConfig } from '../config.ts'
import { EmailNotifier } from './email/email-notifier.ts'
import { LineNotifier } from './line/line-notifier.ts'
import { LogNotifier } from './log/log-notifier.ts'
import type { Notifier } from './notifier.ts'
import { WebhookNotifier } from './webhook/webhook-notifier.ts'

/**
 * Receivers by name, each a list of notifiers. `log` and `default` always exist; `default` holds
 * the AEDGW_WEBHOOK_URL webhook when one is set, and the log.
 */
export function buildReceivers(
  config: AlertsConfig,
  log: Logger,
  clock: () => number,
): Map<string, Notifier[]> {
  const out = new Map<string, Notifier[]>()
  // every webhook sends from one thread of its own, away from the event loop that ingests
  const http = new HttpThread()
  out.set('log', [new LogNotifier('log/log', log)])
  const dflt: Notifier[] = []
  if (config.webhook.url) {
    dflt.push(
      new WebhookNotifier({
        name: 'default/webhook',
        url: config.webhook.url,
        secret: config.webhook.unsigned ? null : config.webhook.secret,
        timeoutMs: 5000,
        clock,
        http,
      }),
    )
  }
  dflt.push(new LogNotifier('default/log', log))
  out.set('default', dflt)
  for (const r of config.receivers) {
    const list: Notifier[] = []
    if (r.webhook) {
      list.push(
        new WebhookNotifier({
          name: `${r.name}/webhook`,
          url: r.webhook.url,
          secret: r.webhook.unsigned ? null : r.webhook.secret,
          timeoutMs: r.webhook.timeout_ms,
          clock,
          http,
        }),
      )
    }
    if (r.email && config.smtp.host) {
      const s = config.smtp
      list.push(
        new EmailNotifier({
          name: `${r.name}/email`,
          host: s.host as string,
          port: s.port,
          secure: s.secure,
          requireTls: s.require_tls,
          rejectUnauthorized: s.reject_unauthorized,
          ca: s.ca,
          user: s.user,
          password: s.password,
          from: s.from,
          to: r.email.to,
          timeoutMs: 10_000,
        }),
      )
    }
    if (r.line && config.line.channel_access_token) {
      list.push(
        new LineNotifier({
          name: `${r.name}/line`,
          baseUrl: config.line.base_url,
          channelAccessToken: config.line.channel_access_token,
          to: r.line.to,
          timeoutMs: 10_000,
        }),
      )
    }
    if (r.log) list.push(new LogNotifier(`${r.name}/log`, log))
    out.set(r.name, list)
  }
  return out
}
