import type { Logger } from 'pino'
import type { Reading } from '../ingest/ingest.ts'
import type { Registry } from '../registry/registry.ts'
import type { InfluxApi, InfluxSeries } from '../store/influx.ts'
import { backfillRollups } from '../store/retention.ts'
import { readinessLine } from '../store/schema/index.ts'
import {
  busyDaysQuery,
  eventFromRow,
  eventsQuery,
  heartbeatBeforeQuery,
  heartbeatFromRow,
  heartbeatsQuery,
  readinessDeleteStatement,
} from '../store/schema/read-back.ts'
import type { FeedsConfig } from './config.ts'
import type { LateMark, ReadinessHistoryStore } from './ports.ts'
import { type ReadinessAt, type ReadinessChange, ReadinessReplay } from './readiness-replay.ts'

export interface LateHistoryDeps {
  config: FeedsConfig['late_history']
  store: ReadinessHistoryStore
  registry: Pick<Registry, 'get'>
  influx: Pick<InfluxApi, 'query' | 'write'>
  db: string
  /** Whether the hourly rollups are the gateway's continuous queries (InfluxDB 1.x, managed). */
  rollups: boolean
  readinessAt: ReadinessAt
  /** Gateway time of the oldest line the outbox has not written to InfluxDB yet; null: none. */
  outboxPendingSinceMs: () => number | null
  /**
   * Told once the marks are all recomputed after at least MANY_TICKS ticks' worth of cabinets
   * were (a fleet's backfill, a city-wide outage; 50 by default): the replays grew the heap,
   * which can now be given back. A few cabinets back from a network drop are not reported.
   */
  onManyRecomputed?: () => void
  log: Logger
}

const DAY_MS = 86_400_000
/** Ticks' worth of recomputes (`max_cabinets_per_tick` each) past which their end is reported. */
export const MANY_TICKS = 5
const post = { method: 'POST' as const }

/**
 * Readiness history in device time for data that arrives late. The message path only notes, per
 * cabinet, the earliest device time of a late reading (a Map lookup); the readiness tick then
 * recomputes each marked cabinet from its readings stored in InfluxDB — from its last heartbeat
 * before that time to now — deletes the readiness points of that window and writes the
 * recomputed ones at the times the changes happened, and runs the hourly rollups of the window
 * again (continuous queries only resample their recent lookback). A cabinet is recomputed once
 * its late data held still for `settle_ms` and is written to InfluxDB, along with every readiness
 * point written live before (the outbox writes in order); marks are kept in state.db so a restart
 * does not lose them. InfluxDB 1.x only: 2.x and 3 take no InfluxQL DELETE.
 */
export class LateHistory {
  private readonly deps: LateHistoryDeps
  private readonly marks = new Map<string, LateMark>()
  /** Marked since the last tick, not yet in the store. */
  private readonly unsaved = new Set<string>()
  /** Cabinets recomputed since the marks were last all done. */
  private recomputed = 0

  constructor(deps: LateHistoryDeps) {
    this.deps = deps
  }

  start(): void {
    for (const m of this.deps.store.lateMarks()) this.marks.set(m.cabinet, m)
  }

  /** The message path: a committed reading older than `late_after_ms` marks its cabinet. */
  note(r: Reading): void {
    if (r.kind === 'status') return
    const { timeMs, receivedMs } = r.meta
    if (receivedMs - timeMs < this.deps.config.late_after_ms) return
    const m = this.marks.get(r.cabinet)
    if (m) {
      if (timeMs < m.from_ms) m.from_ms = timeMs
      if (receivedMs > m.seen_ms) m.seen_ms = receivedMs
    } else this.marks.set(r.cabinet, { cabinet: r.cabinet, from_ms: timeMs, seen_ms: receivedMs })
    this.unsaved.add(r.cabinet)
  }

  pending(): number {
    return this.marks.size
  }

  /**
   * Recomputes the cabinets that are due, at most `max_cabinets_per_tick`, and returns the
   * recomputed readiness each ended with at `nowMs` (the live history carries on from it).
   * `lastLiveWriteMs`: when the live history last appended a point of the cabinet to the outbox.
   */
  async recompute(
    nowMs: number,
    lastLiveWriteMs: (cabinet: string) => number,
  ): Promise<Map<string, ReadinessChange>> {
    const { config, store, log } = this.deps
    const unsaved: LateMark[] = []
    for (const id of this.unsaved) {
      const m = this.marks.get(id)
      if (m) unsaved.push(m)
    }
    if (unsaved.length > 0) store.saveLateMarks(unsaved)
    this.unsaved.clear()
    const out = new Map<string, ReadinessChange>()
    const pendingSince = this.deps.outboxPendingSinceMs()
    const due = [...this.marks.values()]
      .filter((m) => nowMs - m.seen_ms >= config.settle_ms)
      .filter((m) => pendingSince === null || pendingSince > Math.max(m.seen_ms, lastLiveWriteMs(m.cabinet)))
      .sort((a, b) => a.seen_ms - b.seen_ms)
      .slice(0, config.max_cabinets_per_tick)
    for (const mark of due) {
      const { cabinet, from_ms: fromMs, seen_ms: seenMs } = mark
      try {
        const last = await this.recomputeCabinet(cabinet, fromMs, nowMs)
        if (last) out.set(cabinet, last)
      } catch (err) {
        log.warn(
          { cabinet, err: err instanceof Error ? err.message : String(err) },
          'readiness history not recomputed yet; retried on the next tick',
        )
        break
      }
      store.clearLateMark(cabinet, seenMs)
      if (this.marks.get(cabinet)?.seen_ms === seenMs) this.marks.delete(cabinet)
      this.recomputed++
    }
    if (this.marks.size === 0) {
      if (this.recomputed >= MANY_TICKS * config.max_cabinets_per_tick) this.deps.onManyRecomputed?.()
      this.recomputed = 0
    }
    return out
  }

  /** Replays the cabinet's stored readings and rewrites its readiness points from the window start. */
  private async recomputeCabinet(
    cabinet: string,
    fromMs: number,
    endMs: number,
  ): Promise<ReadinessChange | null> {
    const { influx, config, log } = this.deps
    const reg = this.deps.registry.get(cabinet)
    if (!reg || reg.retired) return null
    const registration = reg.registration
    const contextMs = fromMs - config.lookback_ms
    const [found = []] = await influx.query(heartbeatBeforeQuery(cabinet, fromMs, contextMs))
    const before = rows(found)[0]
    const windowStart = typeof before?.time === 'number' ? before.time : fromMs
    const replay = new ReadinessReplay(cabinet, this.deps.readinessAt, windowStart, config.step_ms)
    // a day at a time, to bound what one answer holds; the days without readings (a cabinet
    // silent for months) are skipped, not asked for one by one
    const [beatDays = [], eventDays = []] = await influx.query(busyDaysQuery(cabinet, contextMs, endMs))
    const busy = new Set([...rows(beatDays), ...rows(eventDays)].map((r) => Number(r.time)))
    for (let start = contextMs; start <= endMs; start += DAY_MS) {
      if (!busy.has(start)) continue
      const end = Math.min(start + DAY_MS - 1, endMs)
      const [beats = [], events = []] = await influx.query(
        `${heartbeatsQuery(cabinet, start, end)}; ${eventsQuery(cabinet, start, end)}`,
      )
      const readings = [
        ...rows(beats).map((r) => ({ t: Number(r.time), h: heartbeatFromRow(r) })),
        ...rows(events).map((r) => ({ t: Number(r.time), e: eventFromRow(r) })),
      ].sort((a, b) => a.t - b.t)
      for (const r of readings) {
        if ('h' in r && r.h) replay.heartbeat(r.h)
        else if ('e' in r && r.e) replay.event(r.e)
      }
    }
    const last = replay.finish(endMs)
    await influx.query(readinessDeleteStatement(cabinet, windowStart, endMs), post)
    const lines = replay.changes.map((c) =>
      readinessLine({
        cabinet,
        district: registration.district_code,
        readiness: c.readiness,
        reasons: c.reasons,
        lat: registration.lat,
        lon: registration.lon,
        atMs: c.atMs,
      }),
    )
    for (let i = 0; i < lines.length; i += 5000) await influx.write(lines.slice(i, i + 5000))
    const rolled = this.deps.rollups
      ? await backfillRollups(influx, this.deps.db, windowStart, endMs, 7 * DAY_MS, { cabinet })
      : 0
    log.info(
      { cabinet, from: new Date(windowStart).toISOString(), points: lines.length, rollup_points: rolled },
      'readiness history recomputed from late readings',
    )
    return last
  }
}

function rows(series: InfluxSeries[]): Array<Record<string, unknown>> {
  return series.flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  )
}
