import type { Logger } from 'pino'
import type { HealthMapSnapshot } from './feed.ts'

export interface HealthMapPushDeps {
  snapshot: () => HealthMapSnapshot
  url: string
  token: string | null
  /** How often a new snapshot is looked for. */
  debounceMs: number
  timeoutMs: number
  log: Logger
  fetch?: typeof fetch
  /** The ETag pushed last, by this process or another (cluster mode); null: none yet. */
  pushed?: string | null
  /** Told after each accepted push (cluster mode records it for the next holder of the lease). */
  onPushed?: (snap: HealthMapSnapshot) => Promise<void>
}

/**
 * Pushes the feed's snapshots to the health map: every `debounceMs` the current snapshot is taken
 * (the same one every caller of the feed gets, rebuilt only on the snapshot boundaries) and pushed
 * when it differs from the last one pushed. A push therefore never tells the health map of a
 * change earlier than the public feed shows it. A failed push is tried again at the next check.
 */
export class HealthMapPush {
  private readonly deps: HealthMapPushDeps
  private timer: NodeJS.Timeout | null = null
  private pushed: string | null = null
  private inFlight: Promise<void> | null = null

  constructor(deps: HealthMapPushDeps) {
    this.deps = deps
    this.pushed = deps.pushed ?? null
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
    if (snap.etag === this.pushed) return
    this.inFlight = this.push(snap).finally(() => {
      this.inFlight = null
    })
    await this.inFlight
  }

  private async push(snap: HealthMapSnapshot): Promise<void> {
    const { url, token, timeoutMs, log } = this.deps
    const headers: Record<string, string> = {
      'content-type': 'application/geo+json',
      etag: snap.etag,
      'last-modified': new Date(snap.modifiedAtMs).toUTCString(),
    }
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
      log.info({ features: snap.collection.features.length }, 'health-map feed pushed')
      await this.deps.onPushed?.(snap).catch((err: unknown) => {
        log.warn({ err: String(err) }, 'health-map push not recorded; the next holder may push it again')
      })
    } catch (err) {
      log.warn({ err: String(err) }, 'health-map push failed; retrying at the next check')
    }
  }
}
