import type { Logger } from 'pino'
import { AedgwError } from '../lib/errors.ts'
import { Fifo } from '../lib/fifo.ts'
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
   * Called for each reading not recognised as a redelivery, always before its PUBACK: a heartbeat
   * or status once its commit is on disk, an event at once, while its commit runs (a redelivery
   * racing its first copy may be handed on twice: consumers are idempotent).
   */
  onReading: (r: Reading) => void
}

/** A heartbeat or status waiting for its turn, and its acceptance's promise. */
interface Queued {
  cabinet: string
  leaf: PublishLeaf
  payload: Buffer
  recvMs: number
  resolve: () => void
  reject: (err: Error) => void
}

/** How long one turn of the event loop may spend on queued heartbeats before it yields. */
const SLICE_MS = 4

/**
 * The ingest stage the broker calls from authorizePublish: validate, make it durable (outbox or
 * quarantine), then hand the committed reading on. The promise settles when the PUBACK may be sent.
 *
 * Events (a door opened, an AED removed, tamper, power lost) are handled as they arrive and take
 * the outbox's priority lane. Heartbeats and statuses wait in a queue served SLICE_MS of work per
 * turn of the event loop, so the loop goes back to its sockets between slices and an event
 * arriving behind a backlog of thousands of heartbeats is validated, committed and evaluated
 * first.
 *
 * An event's rules run as soon as it is valid, not after its fsync: a door opened must not wait on
 * a disk that InfluxDB and the heartbeats' group commits keep busy, nor on a store that refuses
 * it (outbox full, store failing). Its PUBACK still waits for its commit: a refused or failed one
 * gets none, the cabinet sends the event again, and that copy is stored and evaluated once more
 * (live state and alerts take the same event twice as once).
 */
export class IngestPipeline {
  private readonly deps: PipelineDeps
  private readonly dedup: Dedup
  private readonly queued = new Fifo<Queued>()
  private draining = false
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

  accept(cabinet: string, leaf: PublishLeaf, payload: Buffer): Promise<void> {
    const recvMs = this.deps.clock()
    this.received[leaf].inc()
    if (leaf === 'event') return this.handle(cabinet, leaf, payload, recvMs)
    return new Promise((resolve, reject) => {
      this.queued.push({ cabinet, leaf, payload, recvMs, resolve, reject })
      if (this.draining) return
      this.draining = true
      setImmediate(this.drain)
    })
  }

  /** Queued heartbeats for up to SLICE_MS (their synchronous part: validation, the append). */
  private readonly drain = (): void => {
    const until = performance.now() + SLICE_MS
    for (let job = this.queued.shift(); job !== undefined; job = this.queued.shift()) {
      this.handle(job.cabinet, job.leaf, job.payload, job.recvMs).then(job.resolve, job.reject)
      if (performance.now() >= until) break
    }
    if (this.queued.length > 0) setImmediate(this.drain)
    else this.draining = false
  }

  private async handle(cabinet: string, leaf: PublishLeaf, payload: Buffer, recvMs: number): Promise<void> {
    const { ingest, outbox, metrics, log } = this.deps
    const room = outbox.accepting()
    if (!room.ok) {
      metrics.rejected.inc({ reason: 'outbox_unavailable' })
      // an emergency is heard even when it cannot be stored yet: its copies will be, later
      if (leaf === 'event') this.evaluateUnstored(cabinet, payload, recvMs, room.reason)
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
    if (leaf === 'event') {
      // the priority lane: its own commit at once, not a place in the heartbeats' next group
      // commit; the rules run while it is on its way to disk
      const committed = outbox.appendUrgent(cabinet, res.line, recvMs)
      this.handOn(res.reading)
      await committed
    } else {
      await outbox.append(cabinet, res.line, recvMs)
      // Heartbeats and statuses reach live state only once committed, as InfluxDB will have them.
      this.handOn(res.reading)
    }
    this.accepted[leaf].inc()
    // remembered only once on disk: a redelivery of a message whose commit failed must be stored
    if (res.dedupKey !== null) this.dedup.add(cabinet, res.dedupKey)
  }

  /** A valid event the outbox refused goes to the rules all the same; it gets no PUBACK. */
  private evaluateUnstored(cabinet: string, payload: Buffer, recvMs: number, why: string): void {
    const res = this.deps.ingest.process(cabinet, 'event', payload, recvMs)
    if (!res.ok || (res.dedupKey !== null && this.dedup.has(cabinet, res.dedupKey))) return
    this.deps.metrics.eventsUnstored.inc()
    this.deps.log.warn({ cabinet, why }, 'event evaluated but not stored; the cabinet will send it again')
    this.handOn(res.reading)
  }

  private handOn(r: Reading): void {
    try {
      this.deps.onReading(r)
    } catch (err) {
      // a fault downstream must never cost the reading or its PUBACK
      this.deps.log.error(
        { err, cabinet: r.cabinet, kind: r.kind },
        'reading consumer failed; the reading is kept',
      )
    }
  }
}
