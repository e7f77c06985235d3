/**
 * Per-key token bucket: `perSecond` sustained, `burst` at once. Buckets outlive connections (a
 * reconnect must not refill them); `sweep()` drops only those idle long enough to be full again,
 * which is the same as forgetting nothing.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private readonly perSecond: number
  private readonly burst: number
  private readonly clock: () => number

  constructor(perSecond: number, burst: number, clock: () => number) {
    this.perSecond = perSecond
    this.burst = burst
    this.clock = clock
  }

  take(key: string): boolean {
    const now = this.clock()
    let b = this.buckets.get(key)
    if (!b) {
      b = { tokens: this.burst, at: now }
      this.buckets.set(key, b)
    }
    // a clock stepped back must not drain the bucket: elapsed time is never negative
    b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * this.perSecond)
    b.at = now
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  /** Drops buckets that have refilled to the burst: a new one would start there too. */
  sweep(): void {
    const now = this.clock()
    const refillMs = (this.burst / this.perSecond) * 1000
    for (const [key, b] of this.buckets) {
      if (now - b.at >= refillMs) this.buckets.delete(key)
    }
  }

  size(): number {
    return this.buckets.size
  }
}

/**
 * Exponential back-off after repeated failed logins, per key (cabinet id, remote address).
 * Bounded: past `maxKeys` the oldest entries are dropped, so a spray of random ids cannot grow it.
 */
export class LoginBackoff {
  private readonly entries = new Map<string, { failures: number; until: number }>()
  private readonly opts: { maxFailures: number; baseMs: number; maxMs: number; maxKeys: number }
  private readonly clock: () => number

  constructor(
    opts: { maxFailures: number; baseMs: number; maxMs: number; maxKeys?: number },
    clock: () => number,
  ) {
    this.opts = { maxKeys: 100_000, ...opts }
    this.clock = clock
  }

  /** Milliseconds this key must still wait; 0 when it may try. */
  blockedFor(key: string): number {
    const e = this.entries.get(key)
    if (!e) return 0
    return Math.max(0, e.until - this.clock())
  }

  fail(key: string): void {
    const e = this.entries.get(key) ?? { failures: 0, until: 0 }
    e.failures++
    const over = e.failures - this.opts.maxFailures
    if (over >= 0)
      e.until = this.clock() + Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(over, 30))
    this.entries.delete(key)
    this.entries.set(key, e)
    if (this.entries.size > this.opts.maxKeys) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
  }

  succeed(key: string): void {
    this.entries.delete(key)
  }
}
