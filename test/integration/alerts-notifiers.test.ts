import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { notifiedAlert } from '../../gateway/alerts/messages.ts'
import { EmailNotifier } from '../../gateway/alerts/notifiers/email/email-notifier.ts'
import { LineNotifier } from '../../gateway/alerts/notifiers/line/line-notifier.ts'
import { LogNotifier } from '../../gateway/alerts/notifiers/log/log-notifier.ts'
import type { Notification, Notifier } from '../../gateway/alerts/notifiers/notifier.ts'
import { WebhookNotifier } from '../../gateway/alerts/notifiers/webhook/webhook-notifier.ts'
import type { Alert } from '../../gateway/alerts/types.ts'
import { loadConfig } from '../../gateway/config/load.ts'
import { createLogger } from '../../gateway/lib/logger.ts'
import { makeCerts } from '../helpers/certs.ts'
import { HttpReceiver, lineValidator, SmtpReceiver, signatureValid } from '../helpers/receivers.ts'

const T = Date.UTC(2026, 10, 26, 4, 0, 0)
const alert: Alert = {
  id: 'al_test0001',
  cabinet_id: 'BKK-1047-0007',
  type: 'aed_in_use',
  severity: 'critical',
  state: 'active',
  team: 'city_ops',
  assignee: null,
  labels: {
    cabinet: 'BKK-1047-0007',
    district: '1047',
    type: 'aed_in_use',
    severity: 'critical',
    team: 'city_ops',
  },
  summary: 'AED removed: probable cardiac arrest',
  facts: {},
  started_ms: T,
  active_since_ms: T,
  updated_ms: T,
  acknowledged_ms: null,
  acknowledged_by: null,
  resolved_ms: null,
  resolved_by: null,
  reopen_count: 0,
  escalation_level: 0,
}
const cabinet = {
  name: 'Bang Na District Office',
  name_th: 'สำนักงานเขตบางนา',
  address: 'Bang Na-Trat Rd',
  address_th: 'ถนนบางนา-ตราด',
  district_code: '1047',
  district_name: 'Bang Na',
  district_name_th: 'บางนา',
  lat: 13.6683,
  lon: 100.6044,
}
const notification = (id: string): Notification => ({
  version: '1',
  id,
  receiver: 'default',
  status: 'firing',
  group_key: 'root|default|{}',
  group_labels: { cabinet: 'BKK-1047-0007' },
  created_at: new Date(T).toISOString(),
  alerts: [
    notifiedAlert(alert, 'firing', cabinet, {
      map_url: 'https://www.google.com/maps/search/?api=1&query={lat},{lon}',
      console_url: CONSOLE,
    }),
  ],
})

/** The text part of a mail as nodemailer encodes it (quoted-printable or base64, UTF-8). */
function mailText(data: string): string {
  const [head = '', ...rest] = data.split(/\r?\n\r?\n/)
  const body = rest.join('\n\n')
  if (/Content-Transfer-Encoding: base64/i.test(head))
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
  const bytes = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16)))
  return Buffer.from(bytes, 'latin1').toString('utf8')
}

interface Subject {
  name: string
  /** Chat messages carry only what, which district and the console link. */
  minimal: boolean
  setup(): Promise<{
    notifier: Notifier
    delivered(): Promise<string>
    down(): Promise<void>
    up(): Promise<void>
    teardown(): Promise<void>
  }>
}

const SECRET = 'webhook-secret-0123'
const CONSOLE = 'https://aed.bangkok.example/console/alerts/{alert}'
const CONSOLE_LINK = 'https://aed.bangkok.example/console/alerts/al_test0001'
const certs = makeCerts(mkdtempSync(join(tmpdir(), 'aedgw-smtp-tls-')), [])
const LINE_TOKEN = 'line-channel-token'

const subjects: Subject[] = [
  {
    name: 'webhook',
    minimal: false,
    async setup() {
      const rx = new HttpReceiver()
      const url = await rx.start()
      const notifier = new WebhookNotifier({
        name: 'default/webhook',
        url,
        secret: SECRET,
        timeoutMs: 2000,
        clock: () => T,
      })
      return {
        notifier,
        async delivered() {
          const [r] = await rx.received(1)
          expect(r!.headers['content-type']).toBe('application/json')
          expect(signatureValid(SECRET, r!)).toBe(true)
          expect(r!.headers['idempotency-key']).toBe('n_conformance_1')
          return r!.body
        },
        down: async () => {
          rx.status = 503
        },
        up: async () => {
          rx.status = 200
        },
        teardown: () => rx.stop(),
      }
    },
  },
  {
    name: 'LINE',
    minimal: true,
    async setup() {
      const rx = new HttpReceiver()
      rx.validate = lineValidator(LINE_TOKEN)
      const baseUrl = await rx.start()
      const notifier = new LineNotifier({
        name: 'ops/line',
        baseUrl,
        channelAccessToken: LINE_TOKEN,
        to: 'U4af4980629',
        timeoutMs: 2000,
      })
      return {
        notifier,
        async delivered() {
          const [r] = await rx.received(1)
          const body = JSON.parse(r!.body) as { to: string; messages: Array<{ text: string }> }
          expect(body.to).toBe('U4af4980629')
          return body.messages[0]!.text
        },
        down: () => rx.stop(),
        up: async () => {
          await rx.start(rx.port)
        },
        teardown: () => rx.stop(),
      }
    },
  },
  {
    name: 'e-mail',
    minimal: false,
    async setup() {
      const rx = new SmtpReceiver(certs)
      const port = await rx.start()
      const notifier = new EmailNotifier({
        name: 'ops/email',
        host: '127.0.0.1',
        port,
        secure: false,
        requireTls: true,
        rejectUnauthorized: true,
        ca: certs.ca,
        user: null,
        password: null,
        from: 'aed-gateway@bangkok.example',
        to: ['maintenance@bangkok.example'],
        timeoutMs: 2000,
      })
      return {
        notifier,
        async delivered() {
          expect(rx.mails).toHaveLength(1)
          expect(rx.mails[0]!.to).toEqual(['maintenance@bangkok.example'])
          expect(rx.secured).toBe(true)
          return mailText(rx.mails[0]!.data)
        },
        down: () => rx.stop(),
        up: async () => {
          await rx.start(rx.port)
        },
        teardown: () => rx.stop(),
      }
    },
  },
]

describe.each(subjects)('the $name notifier (conformance)', (subject) => {
  let s: Awaited<ReturnType<Subject['setup']>>
  beforeAll(async () => {
    s = await subject.setup()
  })
  afterAll(async () => {
    await s.teardown()
  })

  it('answers retryable while its receiver is down, then delivers once it is up', async () => {
    await s.down()
    const failed = await s.notifier.send(notification('n_conformance_1'))
    expect(failed).toMatchObject({ ok: false, retryable: true })
    await s.up()
    expect(await s.notifier.send(notification('n_conformance_1'))).toEqual({ ok: true })
  })

  it.runIf(subject.minimal)('delivers only what happened, the district and the console link', async () => {
    const text = await s.delivered()
    expect(text).toContain('AED in use')
    expect(text).toContain('Bang Na')
    expect(text).toContain('บางนา')
    expect(text).toContain(CONSOLE_LINK)
    for (const detail of [
      'BKK-1047-0007',
      'Bang Na District Office',
      'Bang Na-Trat',
      'maps',
      '13.6683',
      'cardiac',
    ])
      expect(text).not.toContain(detail)
  })

  it.runIf(!subject.minimal)(
    'delivers what happened, which cabinet, where, a map link and what to do, in Thai and English',
    async () => {
      const text = await s.delivered()
      expect(text).toContain('BKK-1047-0007')
      expect(text).toContain('https://www.google.com/maps/search/?api=1&query=13.6683,100.6044')
      expect(text).toContain('AED in use')
      expect(text).toMatch(/Dispatch EMS/)
      expect(text).toContain('บางนา')
    },
  )
})

describe('the webhook notifier', () => {
  it('does not retry a 4xx other than 408 and 429', async () => {
    const rx = new HttpReceiver()
    const url = await rx.start()
    rx.status = 422
    const n = new WebhookNotifier({ name: 'w', url, secret: null, timeoutMs: 2000, clock: () => T })
    expect(await n.send(notification('n_x'))).toMatchObject({ ok: false, retryable: false })
    rx.status = 429
    expect(await n.send(notification('n_x'))).toMatchObject({ ok: false, retryable: true })
    await rx.stop()
  })
})

describe('the e-mail notifier', () => {
  it('puts no cabinet id and no diagnosis in the subject, and links the console in the body', async () => {
    const rx = new SmtpReceiver(certs)
    const port = await rx.start()
    const n = new EmailNotifier({
      name: 'ops/email',
      host: '127.0.0.1',
      port,
      secure: false,
      requireTls: true,
      rejectUnauthorized: true,
      ca: certs.ca,
      user: null,
      password: null,
      from: 'aed-gateway@bangkok.example',
      to: ['ops@bangkok.example'],
      timeoutMs: 2000,
    })
    expect(await n.send(notification('n_subject'))).toEqual({ ok: true })
    n.close()
    await rx.stop()
    const data = rx.mails[0]!.data
    const subject = /^Subject: (.*)$/m.exec(data)?.[1] ?? ''
    expect(subject).toBe('AED gateway: 1 critical alert')
    expect(subject).not.toMatch(/BKK-|cardiac|Bang Na/i)
    expect(mailText(data)).toContain(CONSOLE_LINK)
  })

  it('refuses to send in the clear, and to a server whose certificate it cannot verify', async () => {
    const plain = new SmtpReceiver()
    const opts = {
      name: 'ops/email',
      host: '127.0.0.1',
      secure: false,
      user: null,
      password: null,
      from: 'aed-gateway@bangkok.example',
      to: ['ops@bangkok.example'],
      timeoutMs: 2000,
    }
    const defaults = loadConfig({}, {}).alerts.smtp
    expect(defaults).toMatchObject({ require_tls: true, reject_unauthorized: true })
    const inClear = new EmailNotifier({
      ...opts,
      port: await plain.start(),
      requireTls: defaults.require_tls,
      rejectUnauthorized: defaults.reject_unauthorized,
      ca: null,
    })
    expect(await inClear.send(notification('n_plain'))).toMatchObject({ ok: false })
    expect(plain.mails).toHaveLength(0)
    inClear.close()
    await plain.stop()
    const tls = new SmtpReceiver(certs)
    const unverified = new EmailNotifier({
      ...opts,
      port: await tls.start(),
      requireTls: defaults.require_tls,
      rejectUnauthorized: defaults.reject_unauthorized,
      ca: null,
    })
    expect(await unverified.send(notification('n_self_signed'))).toMatchObject({ ok: false })
    expect(tls.mails).toHaveLength(0)
    unverified.close()
    await tls.stop()
  })
})

describe('notification URLs and signing', () => {
  const withWebhook = (webhook: Record<string, unknown>) => () =>
    loadConfig({}, { alerts: { webhook: { secret: null, ...webhook } } })

  it('refuses a webhook, push or BKKHDC URL in plain http except to loopback', () => {
    expect(withWebhook({ url: 'http://hooks.bangkok.example/aed', secret: 'x' })).toThrow(/https/)
    expect(withWebhook({ url: 'https://hooks.bangkok.example/aed', secret: 'x' })).not.toThrow()
    expect(withWebhook({ url: 'http://127.0.0.1:9000/aed', secret: 'x' })).not.toThrow()
    expect(() => loadConfig({}, { feeds: { healthmap: { push_url: 'http://map.example/feed' } } })).toThrow(
      /push_url: must be https/,
    )
    expect(() => loadConfig({ AEDGW_BKKHDC_URL: 'http://hdc.example/in' }, {})).toThrow(/https/)
  })

  it('signs webhooks by default: a URL without a secret is refused unless unsigned is set', () => {
    expect(withWebhook({ url: 'https://hooks.bangkok.example/aed' })).toThrow(/secret/)
    expect(withWebhook({ url: 'https://hooks.bangkok.example/aed', unsigned: true })).not.toThrow()
  })
})

describe('the log notifier', () => {
  it('writes each alert to the log and always succeeds', async () => {
    const lines: string[] = []
    const log = createLogger('info', { write: (l: string) => void lines.push(l) })
    expect(await new LogNotifier('log/log', log).send(notification('n_log'))).toEqual({ ok: true })
    expect(JSON.parse(lines[0]!)).toMatchObject({
      cabinet: 'BKK-1047-0007',
      type: 'aed_in_use',
      notification: 'n_log',
    })
  })
})
