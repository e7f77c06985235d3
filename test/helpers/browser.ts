/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { onTestFailed } from 'vitest'

/** Debian's chromium (scripts/ensure-deps.sh installs it): `npx playwright install` cannot run here. */
export const CHROMIUM = process.env.AEDGW_CHROMIUM ?? '/usr/bin/chromium'

/** Screenshots of each view, and of every open page when a test fails. */
export const SCREENSHOT_DIR = join(process.cwd(), '.test-tmp', 'console-screenshots')

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-deps.sh (apt-get install chromium)`)
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  // playwright-core gives every launch a fresh --user-data-dir
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true })
}

/** Call at the start of a test: if it fails, every page given is saved as failed-<name>-<i>.png. */
export function screenshotOnFailure(name: string, pages: () => Page[]): void {
  onTestFailed(async () => {
    let i = 0
    for (const p of pages()) {
      if (!p.isClosed()) await screenshot(p, `failed-${name}-${i++}`).catch(() => undefined)
    }
  })
}

/** Whether the page scrolls sideways (content wider than the viewport). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
}
