import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import type { Metrics } from '../lib/metrics.ts'
import { PUBLISH_LEAVES, type PublishLeaf } from '../protocol/topics.ts'
import type { Outbox } from '../store/outbox.ts'
import { Dedup } from './dedup.ts'
import type { Ingest, Reading } from './ingest.ts'

export interface PipelineDeps {
  ingest: Ingest
  outbox: Outbox
  metrics: Metrics
  log: Logger
  clock: () => number
  dedupWindow: number
  /**
   * Called for each reading not recognised as a redelivery, once its commit is on disk and before
   * the PUBACK (a redelivery racing its first copy may be handed on twice: consumers are idempotent).
   */
  onReading: (r: Reading) => void
}

/**
 * The ingest stage the broker calls from authorizePublish: validate, make it durable (outbox or
 * quarantine), then hand the committed reading on. The promise settles when the PUBACK may be sent.
 */
export class IngestPipeline {
  private readonly deps: PipelineDeps
  private readonly dedup: Dedup
  // label children resolved once: a labelled inc() hashes its labels on every call
  private readonly received: Record<PublishLeaf, { inc(): void }>
  private readonly accepted: Record<PublishLeaf, { inc(): void }>

  constructor(deps: PipelineDeps) {
    this.deps = deps
    this.dedup = new Dedup(deps.dedupWindow)
    const byLeaf = (c: { labels(leaf: string): { inc(): void } }) =>
      Object.fromEntries(PUBLISH_LEAVES.map((l) => [l, c.labels(l)])) as Record<PublishLeaf, { inc(): void }>
    this.received = byLeaf(deps.metrics.received)
    this.accepted = byLeaf(deps.metrics.accepted)
  }

  async accept(cabinet: string, leaf: PublishLeaf, payload: Buffer): Promise<void> {
    const { ingest, outbox, metrics, log } = this.deps
    const recvMs = this.deps.clock()
    this.received[leaf].inc()
    const room = outbox.accepting()
    if (!room.ok) {
      metrics.rejected.inc({ reason: 'outbox_unavailable' })
      throw new AedgwError('AEDGW_ERR_OUTBOX_FULL', `not acknowledged: ${room.reason}`)
    }
    const res = ingest.process(cabinet, leaf, payload, recvMs)
    if (!res.ok) {
      metrics.rejected.inc({ reason: res.reason })
      log.warn({ cabinet, leaf, reason: res.reason, detail: res.detail }, 'payload quarantined')
      await outbox.quarantine({
        recv_ms: recvMs,
        cabinet,
        topic: leaf,
        stage: 'ingest',
        reason: `${res.reason}: ${res.detail}`,
        raw: payload,
      })
      metrics.quarantined.inc({ stage: 'ingest' })
      return
    }
    if (res.dedupKey !== null && this.dedup.has(cabinet, res.dedupKey)) {
      metrics.duplicates.inc()
      return
    }
    await outbox.append(cabinet, res.line, recvMs)
    this.accepted[leaf].inc()
    // remembered only once on disk: a redelivery of a message whose commit failed must be stored
    if (res.dedupKey !== null) this.dedup.add(cabinet, res.dedupKey)
    // Live state and rules see only committed readings, the same ones InfluxDB will have: no
    // alert is raised for a message that then fails to commit (the cabinet resends it, no PUBACK).
    // A door opened waits for one group commit (one fsync) before its rules run.
    try {
      this.deps.onReading(res.reading)
    } catch (err) {
      // a fault downstream must never cost the reading or its PUBACK
      log.error({ err, cabinet, leaf }, 'reading consumer failed; the reading is stored')
    }
  }
}
