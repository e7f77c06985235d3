import { readFileSync } from 'node:fs'
import nodemailer, { type Transporter } from 'nodemailer'
import { renderText } from '../../messages.ts'
import type { Notification, Notifier, SendResult } from '../notifier.ts'

export interface EmailOptions {
  name: string
  host: string
  port: number
  secure: boolean
  /** Refuse to send unless STARTTLS succeeds (when not `secure` from the start). */
  requireTls: boolean
  /** Check the server's certificate (against `ca` when given, else the system's CAs). */
  rejectUnauthorized: boolean
  /** PEM file of a private CA that signed the relay's certificate. */
  ca: string | null
  user: string | null
  password: string | null
  from: string
  to: string[]
  timeoutMs: number
}

/**
 * Mail over SMTP (nodemailer). SMTP 4xx replies are transient and 5xx permanent (RFC 5321 §4.2.1);
 * a connection failure is transient. The Message-ID comes from the notification id, so a resent
 * copy is recognisable as the same message. TLS is required and the server's certificate checked
 * by default (an alert tells of an emergency at a place); the subject says only how many alerts
 * and how severe, the body carries the rest and the console link.
 */
export class EmailNotifier implements Notifier {
  readonly name: string
  private readonly opts: EmailOptions
  private transport: Transporter | null = null

  constructor(opts: EmailOptions) {
    this.opts = opts
    this.name = opts.name
  }

  async send(n: Notification): Promise<SendResult> {
    const o = this.opts
    this.transport ??= nodemailer.createTransport({
      host: o.host,
      port: o.port,
      secure: o.secure,
      ...(o.user ? { auth: { user: o.user, pass: o.password ?? '' } } : {}),
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
      requireTLS: o.requireTls,
      tls: { rejectUnauthorized: o.rejectUnauthorized, ...(o.ca ? { ca: readFileSync(o.ca) } : {}) },
    })
    const { subject, text } = renderText(n, 100_000)
    try {
      await this.transport.sendMail({
        from: o.from,
        to: o.to,
        subject,
        text,
        messageId: `<${n.id.replace(/[^A-Za-z0-9._-]/g, '.')}@aed-gateway>`,
        headers: { 'X-AED-Notification': n.id },
      })
      return { ok: true }
    } catch (err) {
      const e = err as Error & { responseCode?: number }
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500
      return { ok: false, retryable: !permanent, error: e.message.slice(0, 200) }
    }
  }

  close(): void {
    this.transport?.close()
    this.transport = null
  }
}
