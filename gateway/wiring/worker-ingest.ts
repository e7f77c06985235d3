import type { Logger } from 'pino'
import type { CabinetStep } from '../alerts/postgres/cabinet-step.ts'
import type { PgStateTransaction } from '../alerts/postgres/state-transaction.ts'
import type { AmqpDelivery } from '../broker/amqp-consumer.ts'
import type { Ingest, Reading } from '../ingest/ingest.ts'
import type { Metrics } from '../lib/metrics.ts'
import { isPublishLeaf, parseTopic } from '../protocol/topics.ts'
import { classify, type InfluxApi } from '../store/influx.ts'
import type { QuarantineInput } from '../store/outbox-protocol.ts'

export interface WorkerIngestDeps {
  ingest: Ingest
  influx: Pick<InfluxApi, 'write'>
  /** Where rejected payloads go (the worker's own quarantine, as in embedded mode). */
  quarantine: (q: QuarantineInput) => Promise<void>
  tx: PgStateTransaction
  step: CabinetStep
  metrics: Metrics
  log: Logger
  clock: () => number
  batchMax: number
  batchWaitMs: number
  /** After a batch committed (the delivery sender looks for new notifications). */
  onCommitted: (deliveries: number) => void
}

interface Accepted {
  d: AmqpDelivery
  reading: Reading
  line: string
}

const RETRY_BASE_MS = 200
const RETRY_MAX_MS = 5000

/**
 * Worker mode's ingest: the same validation (Ingest) as the embedded pipeline, then, per batch,
 * one InfluxDB write of the points and one PostgreSQL transaction per cabinet (state, rules,
 * alerts, deliveries), and only then the acks to the broker. The replicated queue is the outbox:
 * a message is settled only once InfluxDB took its point and its cabinet's transaction committed;
 * until then it stays unacked, and a worker that dies leaves it to be delivered again. So both
 * steps must take the same message twice harmlessly: the point has the device's time, cabinet
 * and district as its identity (a repeat overwrites itself), and the state step is monotonic.
 *
 * Rejected payloads are quarantined and acked: a bad message is never requeued forever. InfluxDB
 * or PostgreSQL failing holds the batch and retries it with backoff (the prefetch bounds what
 * waits); stop() abandons it unacked.
 */
export class WorkerIngest {
  private readonly deps: WorkerIngestDeps
  private queue: AmqpDelivery[] = []
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private stopped = false
  /** Messages acked after storing, after quarantine; batches retried. */
  readonly counts = { stored: 0, quarantined: 0, retries: 0 }

  constructor(deps: WorkerIngestDeps) {
    this.deps = deps
  }

  onMessage(d: AmqpDelivery): void {
    if (this.stopped) return
    this.queue.push(d)
    if (this.running) return
    if (this.queue.length >= this.deps.batchMax) this.kick()
    else this.timer ??= setTimeout(() => this.kick(), this.deps.batchWaitMs)
  }

  /** Stops taking batches; the one in flight ends (acked if it committed, else left to the broker). */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.queue = []
    await this.running
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.running || this.queue.length === 0 || this.stopped) return
    const batch = this.queue.splice(0, this.deps.batchMax)
    this.running = this.handle(batch)
      .catch((err: unknown) => this.deps.log.error({ err }, 'batch abandoned'))
      .finally(() => {
        this.running = null
        if (this.queue.length > 0) this.kick()
      })
  }

  private async handle(batch: AmqpDelivery[]): Promise<void> {
    const accepted: Accepted[] = []
    const rejected: Promise<void>[] = []
    for (const d of batch) {
      const a = this.validate(d)
      if (typeof a === 'string') rejected.push(this.reject(d, 'ingest', a))
      else accepted.push(a)
    }
    await Promise.all(rejected)
    const stored = await this.retrying('influx', () => this.write(accepted))
    if (stored === null) return
    const committed = await this.retrying('postgres', () => this.commit(stored))
    if (committed === null) return
    for (const a of stored) a.d.ack()
    this.counts.stored += stored.length
    this.deps.onCommitted(committed)
  }

  /** The reading of a message, or why it is rejected (quarantined by the caller). */
  private validate(d: AmqpDelivery): Accepted | string {
    const { ingest, metrics } = this.deps
    // the MQTT plugin joined the topic's levels with dots: aed/v1/{id}/heartbeat → aed.v1.{id}.heartbeat
    const parsed = parseTopic(d.routingKey.replaceAll('.', '/'))
    if (!parsed || !isPublishLeaf(parsed.leaf)) return 'not a cabinet topic'
    metrics.received.labels(parsed.leaf).inc()
    const res = ingest.process(parsed.cabinetId, parsed.leaf, d.content, this.deps.clock())
    if (!res.ok) {
      metrics.rejected.inc({ reason: res.reason })
      return `${res.reason}: ${res.detail}`
    }
    metrics.accepted.labels(parsed.leaf).inc()
    return { d, reading: res.reading, line: res.line }
  }

  private async reject(d: AmqpDelivery, stage: QuarantineInput['stage'], reason: string): Promise<void> {
    const parsed = parseTopic(d.routingKey.replaceAll('.', '/'))
    this.deps.log.warn({ routing_key: d.routingKey, reason }, 'payload quarantined')
    await this.deps.quarantine({
      recv_ms: this.deps.clock(),
      cabinet: parsed?.cabinetId ?? '',
      topic: parsed?.leaf ?? d.routingKey,
      stage,
      reason,
      raw: d.content,
    })
    this.deps.metrics.quarantined.inc({ stage })
    this.counts.quarantined++
    d.ack()
  }

  /** Writes the points; lines InfluxDB refuses (4xx) are found one by one and quarantined. */
  private async write(accepted: Accepted[]): Promise<Accepted[]> {
    if (accepted.length === 0) return accepted
    try {
      await this.deps.influx.write(accepted.map((a) => a.line))
      return accepted
    } catch (err) {
      if (classify(err).kind !== 'client') throw err
    }
    const kept: Accepted[] = []
    for (const a of accepted) {
      try {
        await this.deps.influx.write([a.line])
        kept.push(a)
      } catch (err) {
        if (classify(err).kind !== 'client') throw err
        await this.reject(
          a.d,
          'influx',
          `InfluxDB refused the point: ${(err as Error).message.slice(0, 200)}`,
        )
      }
    }
    return kept
  }

  /**
   * One transaction for the batch's cabinets (their locks in a fixed order, states and open alerts
   * read and states saved one statement each), each cabinet's readings in arrival order; resolves
   * with the deliveries queued.
   */
  private async commit(stored: Accepted[]): Promise<number> {
    const byCabinet = new Map<string, Reading[]>()
    for (const a of stored) {
      const list = byCabinet.get(a.reading.cabinet)
      if (list) list.push(a.reading)
      else byCabinet.set(a.reading.cabinet, [a.reading])
    }
    if (byCabinet.size === 0) return 0
    return this.deps.tx.withCabinets(
      [...byCabinet.keys()],
      async (unitOf) => {
        let deliveries = 0
        for (const [cabinet, readings] of byCabinet)
          deliveries += (await this.deps.step.apply(unitOf(cabinet), cabinet, readings)).deliveries.length
        return deliveries
      },
      this.deps.clock(),
    )
  }

  /** Runs `fn` until it succeeds; null once stopped (the batch stays unacked). */
  private async retrying<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return null
      try {
        return await fn()
      } catch (err) {
        this.counts.retries++
        const wait = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 10))
        this.deps.log.warn({ err: (err as Error).message, retry_in_ms: wait }, `${what} failed: batch held`)
        await new Promise((r) => setTimeout(r, wait))
      }
    }
  }
}
