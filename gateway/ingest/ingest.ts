import type { z } from 'zod'
import type { Config } from '../config/schema.ts'
import { type CabinetEvent, eventSchema } from '../protocol/event.ts'
import { type Heartbeat, heartbeatSchema } from '../protocol/heartbeat.ts'
import { type CabinetStatus, parseStatus } from '../protocol/status.ts'
import type { PublishLeaf } from '../protocol/topics.ts'
import { eventLine, heartbeatLine, type PointMeta, statusLine } from '../store/schema/index.ts'
import type { DedupKey } from './dedup.ts'

export type Reading =
  | { kind: 'heartbeat'; cabinet: string; value: Heartbeat; meta: PointMeta }
  | { kind: 'event'; cabinet: string; value: CabinetEvent; meta: PointMeta }
  | { kind: 'status'; cabinet: string; value: CabinetStatus; meta: PointMeta }

export interface Accepted {
  ok: true
  reading: Reading
  line: string
  /** Identity for redelivery detection; null for status (idempotent by nature). */
  dedupKey: DedupKey | null
}

export type RejectReason =
  | 'invalid_json'
  | 'invalid_payload'
  | 'payload_too_large'
  | 'invalid_status'
  | 'ill_formed_unicode'
  | 'timestamp_out_of_range'

export interface Rejected {
  ok: false
  reason: RejectReason
  detail: string
}

export interface IngestDeps {
  config: Pick<Config, 'ingest'> & { retention?: Pick<Config['retention'], 'raw_days'> }
  /** District code of a registered cabinet. */
  districtOf: (cabinet: string) => string
}

const DAY_MS = 86_400_000

/**
 * The first string (key or value) in parsed JSON that is not well-formed UTF-16 (a lone
 * surrogate such as `"\ud800"`), or null. Iterative: a deeply nested payload cannot overflow
 * the stack. Such a string cannot be stored as the same bytes it was counted as.
 */
function illFormedString(json: unknown): string | null {
  const stack: unknown[] = [json]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return v
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item)
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) {
        if (!k.isWellFormed()) return k
        stack.push(item)
      }
    }
  }
  return null
}

const EXTRA_KEY = /^[a-z][a-z0-9_]{0,39}$/
const MAX_EXTRA_FIELDS = 16

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

/** Raw packet → validated reading and its line protocol, or a rejection with its reason. */
export class Ingest {
  private readonly deps: IngestDeps
  private readonly known = new Set(Object.keys(heartbeatSchema.shape))

  constructor(deps: IngestDeps) {
    this.deps = deps
  }

  process(cabinet: string, leaf: PublishLeaf, payload: Buffer, recvMs: number): Accepted | Rejected {
    const cfg = this.deps.config.ingest
    if (payload.length > cfg.max_payload_bytes) {
      return {
        ok: false,
        reason: 'payload_too_large',
        detail: `${payload.length} bytes > ${cfg.max_payload_bytes}`,
      }
    }
    const district = this.deps.districtOf(cabinet)
    if (leaf === 'status') {
      const status = parseStatus(payload)
      if (!status)
        return { ok: false, reason: 'invalid_status', detail: 'status must be "online" or "offline"' }
      const meta = { cabinet, district, timeMs: recvMs, receivedMs: recvMs, skewMs: 0, skewed: false }
      return {
        ok: true,
        reading: { kind: 'status', cabinet, value: status, meta },
        line: statusLine(status, meta),
        dedupKey: null,
      }
    }
    let json: unknown
    const text = payload.toString('utf8')
    try {
      json = JSON.parse(text)
    } catch (err) {
      return { ok: false, reason: 'invalid_json', detail: (err as Error).message.slice(0, 200) }
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return { ok: false, reason: 'invalid_payload', detail: '(root): expected a JSON object' }
    }
    // decoded UTF-8 is always well-formed (a bad sequence becomes U+FFFD): a lone surrogate can
    // only come from a \u escape, so a payload without one needs no walk over its strings
    const illFormed = text.includes('\\u') ? illFormedString(json) : null
    if (illFormed !== null) {
      const at = JSON.stringify(illFormed.slice(0, 40))
      return { ok: false, reason: 'ill_formed_unicode', detail: `string with a lone surrogate: ${at}` }
    }
    if (leaf === 'heartbeat') {
      const parsed = heartbeatSchema.safeParse(json)
      if (!parsed.success) return { ok: false, reason: 'invalid_payload', detail: describe(parsed.error) }
      const h = parsed.data
      const range = this.timestampProblem(h.ts, recvMs)
      if (range) return { ok: false, reason: 'timestamp_out_of_range', detail: range }
      const meta = this.meta(cabinet, district, h.ts, recvMs)
      const extra = cfg.keep_extra_fields ? this.extras(json as Record<string, unknown>) : undefined
      return {
        ok: true,
        reading: { kind: 'heartbeat', cabinet, value: h, meta },
        line: heartbeatLine(h, meta, extra),
        dedupKey: { kind: 'heartbeat', boot: h.boot ?? null, seq: h.seq, ts: h.ts },
      }
    }
    const parsed = eventSchema.safeParse(json)
    if (!parsed.success) return { ok: false, reason: 'invalid_payload', detail: describe(parsed.error) }
    const e = parsed.data
    const range = this.timestampProblem(e.ts, recvMs)
    if (range) return { ok: false, reason: 'timestamp_out_of_range', detail: range }
    const meta = this.meta(cabinet, district, e.ts, recvMs)
    return {
      ok: true,
      reading: { kind: 'event', cabinet, value: e, meta },
      line: eventLine(e, meta),
      dedupKey: { kind: 'event', boot: e.boot ?? null, seq: e.seq, ts: e.ts },
    }
  }

  /**
   * What InfluxDB would refuse is refused here, with a reason, and quarantined (the cabinet still
   * gets its PUBACK and moves on): older than the raw retention ("points beyond retention policy
   * dropped"), or further ahead of the gateway's clock than `ingest.max_future_ms`.
   */
  private timestampProblem(deviceMs: number, recvMs: number): string | null {
    const rawDays = this.deps.config.retention?.raw_days
    if (rawDays !== undefined && deviceMs < recvMs - rawDays * DAY_MS) {
      return `ts ${new Date(deviceMs).toISOString()} is older than the raw retention (${rawDays} days)`
    }
    const ahead = deviceMs - recvMs
    if (ahead > this.deps.config.ingest.max_future_ms) {
      return `ts ${new Date(deviceMs).toISOString()} is ${ahead} ms ahead of the gateway clock (max_future_ms ${this.deps.config.ingest.max_future_ms})`
    }
    return null
  }

  /**
   * A device clock ahead of ours by more than the threshold cannot be right (a buffered message is
   * late, never early), so it is flagged (`clock_skew`, and `skew_ms` is always kept). The point
   * still carries the device's time: that keeps a point's identity stable, so a redelivery after
   * a crash overwrites its first copy instead of adding one, and late history lands where it
   * belongs. Live state and rules use the gateway's receive time.
   */
  private meta(cabinet: string, district: string, deviceMs: number, recvMs: number): PointMeta {
    const skewMs = deviceMs - recvMs
    const skewed = skewMs > this.deps.config.ingest.clock_skew_ms
    return { cabinet, district, timeMs: deviceMs, receivedMs: recvMs, skewMs, skewed }
  }

  private extras(json: Record<string, unknown>): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = {}
    let n = 0
    for (const [k, v] of Object.entries(json)) {
      if (this.known.has(k) || !EXTRA_KEY.test(k) || n >= MAX_EXTRA_FIELDS) continue
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = v
      else if (typeof v === 'boolean') out[k] = v
      else if (typeof v === 'string' && v.length <= 256) out[k] = v
      else continue
      n++
    }
    return out
  }
}
