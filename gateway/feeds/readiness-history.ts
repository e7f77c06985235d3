import type { Logger } from 'pino'
import type { Registry } from '../registry/registry.ts'
import type { Readiness, ReadinessReason } from '../rules/readiness.ts'
import { readinessLine } from '../store/schema/index.ts'
import type { LateHistory } from './late-history.ts'
import type { ReadinessHistoryStore } from './ports.ts'
import { reasonCodes } from './readiness-replay.ts'

export type ReadinessOf = (id: string) => { readiness: Readiness; reasons: ReadinessReason[] }

export interface ReadinessHistoryDeps {
  store: ReadinessHistoryStore
  registry: Pick<Registry, 'list'>
  readinessOf: ReadinessOf
  /** The durable InfluxDB outbox: a change is written once it is committed there. */
  outbox: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  clock: () => number
  log: Logger
  intervalMs: number
  /** Recomputes the history of cabinets whose readings came late, in the same tick (late-history.ts). */
  late?: LateHistory
}

interface Last {
  readiness: string
  codes: string
}

/**
 * Readiness history in InfluxDB: measurement `readiness`, one point per change of a cabinet's
 * readiness or of its reason codes (docs/influxdb-schema.md). Readiness is polled every
 * `intervalMs` rather than hooked into the rules, so conditions that start with time alone
 * (offline, expiry) are seen too. The last value written is
 * kept in the readiness history store (state.db): a restart does not write every cabinet again.
 * Points are written when a change is seen; readings that arrive late have their window
 * recomputed in device time by `late` within the same tick, so the two never interleave.
 */
export class ReadinessHistory {
  private readonly deps: ReadinessHistoryDeps
  private readonly last = new Map<string, Last>()
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  /** When a point of each cabinet was last appended to the outbox (the late recompute waits for it). */
  private readonly lastWrite = new Map<string, number>()
  private startedMs = 0

  constructor(deps: ReadinessHistoryDeps) {
    this.deps = deps
  }

  start(): void {
    this.load()
    this.deps.late?.start()
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.deps.log.error({ err }, 'readiness history tick failed'))
    }, this.deps.intervalMs)
    this.timer.unref()
  }

  /** Reads the last points written from the store (`start` does; cluster mode ticks on its own). */
  load(): void {
    // lines appended before a restart may still wait in the outbox
    this.startedMs = this.deps.clock()
    for (const r of this.deps.store.all())
      this.last.set(r.cabinet, { readiness: r.readiness, codes: r.reason_codes })
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** Compares every registered cabinet's readiness with the last written; writes the changes. */
  tick(): Promise<void> {
    if (this.running) return this.running
    this.running = this.observe()
      .then(() => this.recomputeLate())
      .finally(() => {
        this.running = null
      })
    return this.running
  }

  private async observe(): Promise<void> {
    const { registry, readinessOf, outbox, clock, store } = this.deps
    for (const c of registry.list()) {
      if (c.retired) continue
      const reg = c.registration
      const r = readinessOf(reg.id)
      const codes = reasonCodes(r.reasons)
      const prev = this.last.get(reg.id)
      if (prev && prev.readiness === r.readiness && prev.codes === codes) continue
      const at = clock()
      const line = readinessLine({
        cabinet: reg.id,
        district: reg.district_code,
        readiness: r.readiness,
        reasons: r.reasons,
        lat: reg.lat,
        lon: reg.lon,
        atMs: at,
      })
      await outbox.append(reg.id, line, at)
      this.lastWrite.set(reg.id, at)
      this.last.set(reg.id, { readiness: r.readiness, codes })
      store.save({ cabinet: reg.id, readiness: r.readiness, reason_codes: codes }, at)
    }
  }

  /** The live history carries on from what each recomputed window ended with. */
  private async recomputeLate(): Promise<void> {
    const late = this.deps.late
    if (!late || late.pending() === 0) return
    const now = this.deps.clock()
    for (const [cabinet, c] of await late.recompute(now, (id) => this.lastWrite.get(id) ?? this.startedMs)) {
      this.last.set(cabinet, { readiness: c.readiness, codes: c.codes })
      this.deps.store.save({ cabinet, readiness: c.readiness, reason_codes: c.codes }, now)
    }
  }
}
