import type { StorageStatus } from '../alerts/storage-health.ts'
import type { Broker } from '../broker/broker.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { Outbox } from '../store/outbox.ts'
import type { Writer } from '../store/writer.ts'

/** The gateway's own storage as the storage_degraded alert sees it. */
export function storageStatus(outbox: Outbox, writer: Writer): StorageStatus {
  const room = outbox.accepting()
  const w = writer.status()
  return {
    influxHealthy: w.healthy,
    influxError: w.error,
    outboxAccepting: room.ok,
    outboxReason: room.ok ? null : room.reason,
    outboxDepth: outbox.snapshot().depth,
  }
}

/** Gauges read on each scrape of /metrics. */
export function refreshGauges(
  metrics: Metrics,
  s: { outbox: Outbox; writer: Writer; broker: Broker; clock: () => number },
): void {
  const snap = s.outbox.snapshot()
  const oldest = s.writer.oldestPendingMs
  metrics.outboxDepth.set(snap.depth)
  metrics.outboxBytes.set(snap.bytes)
  metrics.outboxOldestAge.set(
    oldest === null || snap.depth === 0 ? 0 : Math.max(0, (s.clock() - oldest) / 1000),
  )
  metrics.connected.set(s.broker.connectedCount())
}
