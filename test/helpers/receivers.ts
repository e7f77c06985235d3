import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

/** A real HTTP server that records requests; `status` decides the answer, `down()` closes it. */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = []
  status = 200
  /** Extra check: a string is the reason a request is refused with 400 (LINE-shaped validation). */
  validate: ((r: ReceivedRequest) => string | null) | null = null
  private server: Server | null = null
  port = 0
  private waiters: Array<() => void> = []

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const r = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }
        const problem = this.validate?.(r) ?? null
        if (problem) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: problem }))
          return
        }
        if (this.status < 300) this.requests.push(r)
        res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}')
        for (const w of this.waiters.splice(0)) w()
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
    return `http://127.0.0.1:${this.port}`
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (s) {
      s.closeAllConnections()
      await new Promise<void>((resolve) => s.close(() => resolve()))
    }
  }

  /** Resolves once `n` requests were accepted (no wall-clock assertion: the test timeout bounds it). */
  async received(n: number): Promise<ReceivedRequest[]> {
    while (this.requests.length < n) await new Promise<void>((r) => this.waiters.push(r))
    return this.requests
  }
}

/**
 * LINE Messaging API push endpoint as documented
 * (https://developers.line.biz/en/reference/messaging-api/#send-push-message): POST
 * /v2/bot/message/push, `Authorization: Bearer {channel access token}`, JSON body
 * `{to, messages}` with 1-5 messages, text messages at most 5000 characters, and an optional
 * `X-Line-Retry-Key` that must be a UUID.
 */
export function lineValidator(token: string): (r: ReceivedRequest) => string | null {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
  return (r) => {
    if (r.method !== 'POST' || r.path !== '/v2/bot/message/push') return `unexpected ${r.method} ${r.path}`
    if (r.headers.authorization !== `Bearer ${token}`) return 'Authentication failed'
    if (!String(r.headers['content-type']).startsWith('application/json'))
      return 'content-type must be application/json'
    const key = r.headers['x-line-retry-key']
    if (key !== undefined && !UUID.test(String(key))) return 'The retry key must be a UUID'
    let body: { to?: unknown; messages?: Array<{ type?: unknown; text?: unknown }> }
    try {
      body = JSON.parse(r.body)
    } catch {
      return 'The request body has 1 error(s)'
    }
    if (typeof body.to !== 'string' || body.to.length === 0) return "'to' is required"
    if (!Array.isArray(body.messages) || body.messages.length < 1 || body.messages.length > 5)
      return 'messages: 1 to 5'
    for (const m of body.messages) {
      if (m.type !== 'text' || typeof m.text !== 'string' || m.text.length === 0 || m.text.length > 5000)
        return 'text message: 1 to 5000 characters'
    }
    return null
  }
}

/** Checks a webhook's X-Signature the way a receiver would. */
export function signatureValid(secret: string, r: ReceivedRequest): boolean {
  const ts = String(r.headers['x-timestamp'] ?? '')
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex')}`)
  const got = Buffer.from(String(r.headers['x-signature'] ?? ''))
  return want.length === got.length && timingSafeEqual(want, got)
}

export interface ReceivedMail {
  from: string
  to: string[]
  data: string
}

/**
 * A real SMTP server (smtp-server) that keeps every message; with a certificate (PEM files) it
 * offers STARTTLS, without one it does not.
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = []
  private server: SMTPServer | null = null
  private readonly tls: { cert: string; key: string } | null
  port = 0
  /** Whether the last message came over TLS. */
  secured = false

  constructor(tls: { cert: string; key: string } | null = null) {
    this.tls = tls
  }

  async start(port = 0): Promise<number> {
    this.server = new SMTPServer({
      authOptional: true,
      ...(this.tls
        ? { cert: readFileSync(this.tls.cert), key: readFileSync(this.tls.key) }
        : { disabledCommands: ['STARTTLS'] }),
      logger: false,
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          this.secured = session.secure
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            data: Buffer.concat(chunks).toString('utf8'),
          })
          cb()
        })
      },
    })
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.server.address() as AddressInfo).port
    return this.port
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
}
