import * as hdr from 'hdr-histogram-js'

/** Counters shared by every simulated cabinet, and publish-to-PUBACK latency. */
export class SimStats {
  published = 0
  acked = 0
  errors = 0
  /** Messages a cabinet kept while offline and sent after reconnecting. */
  buffered = 0
  /** Messages dropped because a cabinet's offline buffer was full. */
  dropped = 0
  connects = 0
  disconnects = 0
  /** Publishes of a chaos scenario meant to be refused or quarantined. */
  chaos = 0
  /** Publish → PUBACK, in microseconds (1 us .. 10 min, 3 significant digits). */
  readonly latency = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
  })
  private readonly errorKinds = new Map<string, number>()

  error(kind: string): void {
    this.errors++
    this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1)
  }

  recordAck(startedNs: bigint): void {
    this.acked++
    const us = Number((process.hrtime.bigint() - startedNs) / 1000n)
    this.latency.recordValue(Math.max(1, Math.min(us, 600_000_000)))
  }

  latencyMs(): { p50: number; p90: number; p99: number; p999: number; max: number } {
    const at = (p: number) => Math.round(this.latency.getValueAtPercentile(p) / 10) / 100
    return {
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: Math.round(this.latency.maxValue / 10) / 100,
    }
  }

  errorsByKind(): Record<string, number> {
    return Object.fromEntries(this.errorKinds)
  }
}
