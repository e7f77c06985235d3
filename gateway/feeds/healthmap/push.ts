import type { Logger } from 'pino'
import type { HealthMapSnapshot } from './feed.ts'

export interface HealthMapPushDeps {
  snapshot: () => HealthMapSnapshot
  url: string
  token: string | null
  /** The feed must stay unchanged this long before it is pushed (a burst of changes → one push). */
  debounceMs: number
  timeoutMs: number
  log: Logger
  fetch?: typeof fetch
}

/**
 * Pushes the feed to the health map when it changes, debounced: every `debounceMs` the feed is
 * computed; a new version is pushed once it has been seen unchanged on two checks in a row, or
 * after five checks whatever happens. A failed push is tried again at the next check.
 */
export class HealthMapPush {
  private readonly deps: HealthMapPushDeps
  private timer: NodeJS.Timeout | null = null
  private pushed: string | null = null
  private candidate: string | null = null
  private waited = 0
  private inFlight: Promise<void> | null = null

  constructor(deps: HealthMapPushDeps) {
    this.deps = deps
  }

  start(): void {
    this.timer = setInterval(() => {
      this.check().catch((err: unknown) => this.deps.log.error({ err }, 'health-map push check failed'))
    }, this.deps.debounceMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.inFlight
  }

  async check(): Promise<void> {
    if (this.inFlight) return
    const snap = this.deps.snapshot()
    if (snap.etag === this.pushed) {
      this.candidate = null
      this.waited = 0
      return
    }
    this.waited++
    const stable = snap.etag === this.candidate
    this.candidate = snap.etag
    if (!stable && this.waited < 5) return
    this.inFlight = this.push(snap).finally(() => {
      this.inFlight = null
    })
    await this.inFlight
  }

  private async push(snap: HealthMapSnapshot): Promise<void> {
    const { url, token, timeoutMs, log } = this.deps
    const headers: Record<string, string> = { 'content-type': 'application/geo+json', etag: snap.etag }
    if (token) headers.authorization = `Bearer ${token}`
    try {
      const res = await (this.deps.fetch ?? fetch)(url, {
        method: 'PUT',
        headers,
        body: snap.body,
        signal: AbortSignal.timeout(timeoutMs),
      })
      await res.body?.cancel()
      if (!res.ok) {
        log.warn({ status: res.status }, 'health-map push refused; retrying at the next check')
        return
      }
      this.pushed = snap.etag
      this.waited = 0
      log.info({ features: snap.collection.features.length }, 'health-map feed pushed')
    } catch (err) {
      log.warn({ err: String(err) }, 'health-map push failed; retrying at the next check')
    }
  }
}
