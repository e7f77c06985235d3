/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildConsole, type ConsoleBuild } from '../../console/build.ts'
import type { Notification } from '../../gateway/alerts/notifiers/notifier.ts'
import { SignedLinks } from '../../gateway/alerts/signed-links.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { horizontalOverflow, launchChromium, screenshot, screenshotOnFailure } from '../helpers/browser.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { HttpReceiver } from '../helpers/receivers.ts'

const PUBLIC_URL = 'https://aed.example.org'
const CAB = 'BKK-1047-0007'
const CAB2 = 'BKK-1047-0008'

/** Bytes as sent on the wire (gzip), which fetch() would hide by decompressing. */
function wireBytes(
  url: string,
): Promise<{ status: number; bytes: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let bytes = 0
      res.on('data', (c: Buffer) => {
        bytes += c.length
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers }))
    }).on('error', reject)
  })
}

async function doorOpen(client: MqttClient, id: string, seq: number): Promise<void> {
  const ts = new Date().toISOString()
  await client.publishAsync(cabinetTopic(id, 'event'), JSON.stringify({ ts, seq, type: 'door_open' }), {
    qos: 1,
  })
}

describe('maintenance console in a real browser', () => {
  let gw: TestGateway
  let build: ConsoleBuild
  let browser: Browser
  let buildDir: string
  const webhook = new HttpReceiver()
  const pages: Page[] = []
  const contexts: BrowserContext[] = []
  let maintainer: string
  let viewer: string
  let cab: MqttClient
  let cab2: MqttClient
  let ackedId = ''

  const newPage = async (viewport = { width: 1280, height: 900 }): Promise<Page> => {
    const ctx = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London' })
    contexts.push(ctx)
    const page = await ctx.newPage()
    pages.push(page)
    return page
  }
  const signIn = async (page: Page, token: string) => {
    await page.goto(`${gw.httpUrl}/console/`)
    await page.getByLabel('API token').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Open alerts' }).waitFor()
  }
  const notificationFor = async (cabinet: string) => {
    for (let n = 1; ; n++) {
      const all = await webhook.received(n)
      for (const r of all) {
        const a = (JSON.parse(r.body) as Notification).alerts.find((x) => x.cabinet_id === cabinet)
        if (a) return a
      }
    }
  }

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'aedgw-console-'))
    build = await buildConsole(buildDir)
    const url = await webhook.start()
    gw = await startTestGateway({
      alerts: { webhook: { url, secret: 'console-test-webhook-secret' } },
      console: { dir: buildDir, public_url: PUBLIC_URL },
    })
    maintainer = (await gw.api('POST', '/api/v1/tokens', { name: 'team-north', role: 'maintainer' })).json
      .token
    viewer = (await gw.api('POST', '/api/v1/tokens', { name: 'city-ops', role: 'viewer' })).json.token
    cab = await gw.connect(CAB, await gw.register(CAB, { district_code: '1047', name_th: 'สำนักงานเขตบางนา' }))
    cab2 = await gw.connect(CAB2, await gw.register(CAB2, { district_code: '1047', lat: 13.67, lon: 100.61 }))
    browser = await launchChromium()
  })
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await gw?.stop()
    await webhook.stop()
    rmSync(buildDir, { recursive: true, force: true })
  })

  it('serves the console with helmet headers, a strict CSP and fingerprinted, cached assets', async () => {
    const index = await wireBytes(`${gw.httpUrl}/console/`)
    expect(index.status).toBe(200)
    const csp = String(index.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).toContain("img-src 'self' data: https://tile.openstreetmap.org")
    expect(index.headers['x-content-type-options']).toBe('nosniff')
    expect(index.headers['cache-control']).toBe('no-cache')
    const html = await (await fetch(`${gw.httpUrl}/console/`)).text()
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/) // no inline script
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] as string)
    expect(assets.length).toBeGreaterThanOrEqual(2)
    let total = index.bytes
    for (const a of assets) {
      expect(a).toMatch(/-[A-Z0-9]{8}\.(js|css)$/)
      const r = await wireBytes(`${gw.httpUrl}${a}`)
      expect(r.status).toBe(200)
      expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable')
      expect(r.headers['content-encoding']).toBe('gzip')
      total += r.bytes
    }
    expect(total).toBeLessThan(200 * 1024)
    expect(build.firstLoadGzipBytes).toBeLessThan(200 * 1024)
  })

  it('shows a door-open within 2 s without reload, acknowledged through the page as the token', async () => {
    const page = await newPage()
    screenshotOnFailure('live-ack', () => pages)
    const blocked: string[] = []
    page.on('console', (m) => {
      if (/Content.Security.Policy/i.test(m.text())) blocked.push(m.text())
    })
    await signIn(page, maintainer)
    await page.getByText('No open alerts match.').waitFor()
    await page.evaluate(() => {
      ;(window as unknown as { marker: number }).marker = 42
    })
    await doorOpen(cab, CAB, 1)
    const row = page.locator('li[data-alert-id]', { hasText: CAB })
    await row.waitFor({ timeout: 2000 })
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
    await expect.poll(() => row.textContent()).toContain('Cabinet door opened')
    await screenshot(page, 'alerts-desktop')

    ackedId = (await row.getAttribute('data-alert-id')) as string
    await row.getByRole('link').click()
    await page.getByRole('heading', { level: 1, name: /Cabinet door opened/ }).waitFor()
    await page.getByLabel('Comment (optional)').fill('on my way')
    await page.getByRole('button', { name: 'Acknowledge' }).click()
    await page.getByRole('status').filter({ hasText: 'Done.' }).waitFor()
    await page.locator('.history li', { hasText: 'acknowledged' }).waitFor()
    await screenshot(page, 'alert-desktop')
    const api = await gw.api('GET', `/api/v1/alerts/${ackedId}`, undefined, viewer)
    expect(api.json).toMatchObject({ state: 'acknowledged', acknowledged_by: 'team-north (maintainer)' })
    expect(api.json.transitions.at(-1)).toMatchObject({ kind: 'acknowledge', comment: 'on my way' })
    expect(blocked).toEqual([])
  })

  it('adds a maintainer’s note to the alert’s history without a reload, leaving its state as it was', async () => {
    const page = await newPage()
    screenshotOnFailure('note', () => pages)
    await signIn(page, maintainer)
    await page.goto(`${gw.httpUrl}/console/#/alerts/${ackedId}`)
    await page.getByRole('heading', { level: 1, name: /Cabinet door opened/ }).waitFor()
    await page.evaluate(() => {
      ;(window as unknown as { marker: number }).marker = 7
    })
    expect(await page.locator('.history li', { hasText: 'spare pads ordered' }).count()).toBe(0)
    await page.getByLabel('Note', { exact: true }).fill('spare pads ordered')
    await page.getByRole('button', { name: 'Add note' }).click()
    await page.locator('.history li', { hasText: 'spare pads ordered' }).waitFor({ timeout: 2000 })
    expect(await page.locator('.history li', { hasText: 'spare pads ordered' }).textContent()).toContain(
      'note',
    )
    expect(await page.getByLabel('Note', { exact: true }).inputValue()).toBe('')
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(7)
    await screenshot(page, 'alert-note')
    const api = await gw.api('GET', `/api/v1/alerts/${ackedId}`, undefined, viewer)
    expect(api.json.state).toBe('acknowledged')
    expect(api.json.transitions.at(-1)).toMatchObject({
      kind: 'comment',
      comment: 'spare pads ordered',
      by: 'team-north (maintainer)',
    })
  })

  it('opens an alert from the webhook’s signed link and acknowledges it once, without signing in', async () => {
    await doorOpen(cab2, CAB2, 1)
    const notified = await notificationFor(CAB2)
    const url = notified.console_url as string
    expect(url.startsWith(`${PUBLIC_URL}/console/#/link/`)).toBe(true)
    const token = url.slice(url.indexOf('#/link/') + '#/link/'.length)
    const page = await newPage()
    screenshotOnFailure('link', () => pages)
    await page.goto(`${gw.httpUrl}/console/#/link/${token}`)
    await page.getByRole('heading', { level: 1, name: /Cabinet door opened/ }).waitFor()
    await screenshot(page, 'link')
    await page.getByLabel('Your name (optional)').fill('somchai')
    await page.getByRole('button', { name: 'Acknowledge' }).click()
    await page.getByText('Acknowledged. Thank you.').waitFor()
    const api = await gw.api('GET', `/api/v1/alerts/${notified.id}`, undefined, viewer)
    expect(api.json).toMatchObject({ state: 'acknowledged', acknowledged_by: 'somchai via signed link' })

    // reused: the page and the API refuse it
    await page.reload()
    await page.getByText(/This link cannot be used: .*already used/).waitFor()
    const link = (t: string, method = 'POST', path = '/api/v1/link/ack') =>
      fetch(`${gw.httpUrl}${path}`, { method, headers: { authorization: `Link ${t}` } })
    expect((await link(token)).status).toBe(410)
    // altered: one character of the signed part changed
    const [payload, mac] = token.split('.') as [string, string]
    const flipped = `${payload.slice(0, 5)}${payload[5] === 'A' ? 'B' : 'A'}${payload.slice(6)}.${mac}`
    expect((await link(flipped, 'GET', '/api/v1/link')).status).toBe(401)
    expect((await link(flipped)).status).toBe(401)
    // expired: signed with the gateway's own key, an hour ago
    const key = SecretHasher.fromDataDir(gw.dataDir).derive('console-links', 1)
    // signing needs no store: only acknowledging records a use
    const unused = { claim: () => true, release: () => {}, used: () => false }
    const signer = new SignedLinks({ key, uses: unused, clock: Date.now, ttlMs: 3_600_000 })
    const fresh = signer.sign(notified.id, 'maintainer')
    const expired = signer.sign(notified.id, 'maintainer', Date.now() - 3_600_000)
    const late = await link(expired, 'GET', '/api/v1/link')
    expect(late.status).toBe(410)
    expect(late.headers.get('cache-control')).toBe('no-store')
    expect(await late.json()).toMatchObject({ error: 'AEDGW_ERR_LINK_EXPIRED' })
    expect((await link(expired)).status).toBe(410)
    // (same page: another link in the address shows that link's answer, not the last one's)
    await page.goto(`${gw.httpUrl}/console/#/link/${expired}`)
    await page.getByText(/This link cannot be used: .*expired/).waitFor()
    // the same key, unexpired: accepted (the refusals above were for the stated reasons)
    expect((await link(fresh, 'GET', '/api/v1/link')).status).toBe(200)
  })

  it('shows a viewer no action buttons or note form, and the API refuses the actions when forced', async () => {
    const page = await newPage()
    screenshotOnFailure('viewer', () => pages)
    await signIn(page, viewer)
    await page.goto(`${gw.httpUrl}/console/#/alerts/${ackedId}`)
    await page.getByText('Your role can view but not act.').waitFor()
    for (const name of ['Acknowledge', 'Resolve', 'Assign', 'Add note'])
      expect(await page.getByRole('button', { name }).count()).toBe(0)
    expect(await page.getByLabel('Note', { exact: true }).count()).toBe(0)
    expect(await page.locator('form.note').count()).toBe(0)
    await screenshot(page, 'alert-viewer')
    const forced = await page.evaluate(async (id) => {
      const s = JSON.parse(sessionStorage.getItem('aedgw.session') ?? '{}') as { token: string }
      const post = (action: string, body: unknown) =>
        fetch(`/api/v1/alerts/${id}/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((r) => r.status)
      return [await post('resolve', {}), await post('comment', { comment: 'forced' })]
    }, ackedId)
    expect(forced).toEqual([403, 403])
    expect((await gw.api('GET', `/api/v1/alerts/${ackedId}`, undefined, viewer)).json.state).toBe(
      'acknowledged',
    )
  })

  it('fits a 390×844 phone without horizontal scroll, in Thai, remembered, on every view', async () => {
    const page = await newPage({ width: 390, height: 844 })
    screenshotOnFailure('phone', () => pages)
    await signIn(page, maintainer)
    await page.getByRole('button', { name: 'Switch language' }).click()
    await page.getByRole('heading', { level: 1, name: 'การแจ้งเตือนที่เปิดอยู่' }).waitFor()
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'การแจ้งเตือนที่เปิดอยู่' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('th')
    // Thai glyphs come from a Thai font, not the missing-glyph box private-use characters get
    const widths = await page.evaluate(() => {
      const c = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D
      c.font = '16px sans-serif'
      return [c.measureText('กขคงจฉ').width, c.measureText('\uE000\uE001\uE002\uE003\uE004\uE005').width]
    })
    expect(widths[0]).toBeGreaterThan(0)
    expect(widths[0]).not.toBe(widths[1])

    const views: Array<[string, string, string]> = [
      ['alerts', '#/alerts', 'การแจ้งเตือนที่เปิดอยู่'],
      ['alert', `#/alerts/${ackedId}`, 'ประตูตู้ AED ถูกเปิด'],
      ['work', '#/work', 'รายการงาน'],
      ['cabinet', `#/cabinets/${CAB}`, 'สำนักงานเขตบางนา'],
      ['map', '#/map', 'ตู้ AED ตามความพร้อม'],
    ]
    for (const [name, hash, heading] of views) {
      await page.goto(`${gw.httpUrl}/console/${hash}`)
      await page.getByRole('heading', { level: 1, name: new RegExp(heading) }).waitFor()
      if (name === 'map') {
        // no tile server is reachable here: the points and district names still show
        await page.locator('path.cabinet').first().waitFor()
        expect(await page.locator('path.cabinet').count()).toBe(2)
        await page.locator('.district-name', { hasText: 'บางนา' }).waitFor()
        // live: the AED taken out of a cabinet turns its point to "in use" without a reload
        expect(await page.locator('path.cabinet.rd-in_use').count()).toBe(0)
        const ts = new Date().toISOString()
        await cab2.publishAsync(
          cabinetTopic(CAB2, 'event'),
          JSON.stringify({ ts, seq: 5, type: 'aed_removed' }),
          {
            qos: 1,
          },
        )
        await page.locator('path.cabinet.rd-in_use').waitFor({ timeout: 2000 })
        // the coverage layer in Thai, its table open, still fits
        await page.getByLabel('ความครอบคลุม').check()
        await page.locator('.coverage-city', { hasText: 'กรุงเทพฯ' }).waitFor()
        await page.getByText('ความครอบคลุมรายเขต').click()
        await page.locator('.coverage-table').waitFor()
      }
      if (name === 'cabinet') await page.getByText('ความพร้อม').first().waitFor()
      expect(await horizontalOverflow(page), `${name} scrolls sideways`).toBeLessThanOrEqual(0)
      await screenshot(page, `${name}-phone-th`)
    }
  })

  it('shows each district’s coverage share as text on the map once the coverage layer is on', async () => {
    // an open, public AED at Bang Na's one demand point (its subdistrict point) covers Bang Na
    const OFFICE = 'BKK-1047-0204'
    const secret = await gw.register(OFFICE, {
      district_code: '1047',
      lat: 13.6725,
      lon: 100.616,
      access: 'yes',
      opening_hours: '24/7',
    })
    const office = await gw.connect(OFFICE, secret)
    await office.publishAsync(cabinetTopic(OFFICE, 'heartbeat'), heartbeat(1), { qos: 1 })
    const bangNa = async () =>
      (await gw.api('GET', '/api/v1/coverage', undefined, viewer)).json.districts.find(
        (d: { district_code: string }) => d.district_code === '1047',
      )?.share
    await expect.poll(bangNa, { timeout: 5000 }).toBe(1)
    const page = await newPage()
    screenshotOnFailure('coverage', () => pages)
    await signIn(page, viewer)
    await page.goto(`${gw.httpUrl}/console/#/map`)
    await page.locator('path.cabinet').first().waitFor()
    const shown = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.district-box')].map((el) => ({
          code: el.dataset.district,
          text: el.textContent,
          band: [...el.classList].find((c) => c.startsWith('cov-')) ?? null,
        })),
      )
    // off: names only, no shares and no shading
    expect((await shown()).filter((d) => d.band !== null || /%/.test(d.text ?? ''))).toEqual([])
    await page.getByLabel('Coverage').check()
    await page.locator('.coverage-city').waitFor()
    // every district the API answers for shows its share as text, shaded by its band
    const band = (share: number) => (share <= 0 ? 'none' : share < 0.5 ? 'low' : share < 1 ? 'mid' : 'full')
    const mismatches = async () => {
      const cov = (await gw.api('GET', '/api/v1/coverage', undefined, viewer)).json as {
        city: { share: number }
        districts: Array<{ district_code: string; district_name: string; share: number }>
      }
      expect(cov.districts.length).toBeGreaterThan(0)
      const page_ = new Map((await shown()).map((d) => [d.code, d]))
      const rows = await page.locator('.coverage-table tbody tr').count()
      const city = await page.locator('.coverage-city').textContent()
      const wrong: string[] = []
      if (rows !== cov.districts.length) wrong.push(`table has ${rows} rows`)
      if (!city?.includes(`${Math.round(cov.city.share * 100)}%`)) wrong.push(`city: ${city}`)
      for (const d of cov.districts) {
        const pct = `${Math.round(d.share * 100)}%`
        const label = page_.get(d.district_code)
        if (label?.text !== `${d.district_name} ${pct}` || label.band !== `cov-${band(d.share)}`)
          wrong.push(`${d.district_code}: ${JSON.stringify(label)} for ${pct}`)
        const row = await page.locator(`.coverage-table tr[data-district="${d.district_code}"]`).textContent()
        if (!row?.includes(pct)) wrong.push(`row ${d.district_code}: ${row}`)
      }
      return wrong
    }
    await expect.poll(mismatches, { timeout: 5000 }).toEqual([])
    expect((await shown()).find((d) => d.code === '1047')).toEqual({
      code: '1047',
      text: 'Bang Na 100%',
      band: 'cov-full',
    })
    expect(await page.locator('.coverage-legend .legend li').allTextContents()).toEqual([
      '0%: no point within reach',
      'under 50%',
      '50% to under 100%',
      '100%',
    ])
    await screenshot(page, 'map-coverage')
    // live: its AED taken out, Bang Na drops to 0% without a reload
    const ts = new Date().toISOString()
    await office.publishAsync(
      cabinetTopic(OFFICE, 'event'),
      JSON.stringify({ ts, seq: 2, type: 'aed_removed' }),
      {
        qos: 1,
      },
    )
    await page
      .locator('.district-box[data-district="1047"]', { hasText: 'Bang Na 0%' })
      .waitFor({ timeout: 5000 })
    expect(await page.locator('.district-box[data-district="1047"]').getAttribute('class')).toContain(
      'cov-none',
    )
    // off again: the shares go
    await page.getByLabel('Coverage').uncheck()
    expect((await shown()).filter((d) => d.band !== null || /%/.test(d.text ?? ''))).toEqual([])
  })

  it('has landmarks and labelled controls a screen reader can use', async () => {
    const page = await newPage()
    screenshotOnFailure('a11y', () => pages)
    await signIn(page, maintainer)
    expect(await page.getByRole('banner').count()).toBe(1)
    expect(await page.getByRole('navigation').count()).toBe(1)
    expect(await page.getByRole('main').count()).toBe(1)
    const unlabelled = await page.evaluate(
      () =>
        [...document.querySelectorAll('input, select, textarea, button')].filter((el) => {
          const e = el as HTMLInputElement
          return !(e.labels?.length || e.getAttribute('aria-label') || e.textContent?.trim())
        }).length,
    )
    expect(unlabelled).toBe(0)
    // the work list prints without the navigation and controls
    await page.goto(`${gw.httpUrl}/console/#/work`)
    await page.getByRole('heading', { level: 1, name: 'Work list' }).waitFor()
    await page.emulateMedia({ media: 'print' })
    expect(await page.getByRole('banner').isVisible()).toBe(false)
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false)
    await screenshot(page, 'work-print')
    await page.emulateMedia({ media: 'screen' })
    // on a fresh load, the first Tab reaches the skip link
    await page.goto(`${gw.httpUrl}/console/#/alerts`)
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Open alerts' }).waitFor()
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip')
  })
})
