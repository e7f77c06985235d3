import type { Logger } from 'pino'
import type { FireInput } from '../alerts/lifecycle.ts'
import type { OpeningHoursEvaluator } from '../feeds/healthmap/opening-hours.ts'
import type { Registration } from '../protocol/registration.ts'
import type { Cabinet, Registry } from '../registry/registry.ts'
import type { Readiness } from '../rules/readiness.ts'
import { coverageLine } from '../store/schema/index.ts'
import { type CoverageConfig, radiusFor } from './config.ts'
import { type DemandPoint, type DistrictCoverage, districtCoverage, SUBDISTRICT_DEMAND } from './demand.ts'
import { walking } from './geo.ts'
import { type CoverageImpact, makesUnusable, withCoverageImpact } from './impact.ts'
import { type NearestAed, nearestView } from './nearest-view.ts'
import { SpatialIndex } from './spatial-index.ts'
import { OpenNowMemo, usableNow } from './usable.ts'

export interface CoverageDeps {
  config: CoverageConfig
  registry: Pick<Registry, 'list' | 'get' | 'size'>
  readinessOf: (id: string) => { readiness: Readiness }
  openingHours: OpeningHoursEvaluator
  clock: () => number
  log: Logger
  /** The durable InfluxDB outbox: `coverage` points go through it. */
  outbox?: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  /** Demand points (default: the subdistrict points). */
  demand?: readonly DemandPoint[]
}

// a query re-checks what it is about to answer; past this many rounds it answers what is verified
const MAX_VERIFY_ROUNDS = 4
// cabinets re-checked per turn of the event loop by the periodic refresh (~1 ms of work)
const SLICE = 2000

/**
 * The coverage stage: a spatial index of registered cabinets with a usable-now flag each, kept
 * current from readiness changes (`touch`, applied every `refresh_ms`) and a full re-check every
 * `full_refresh_ms` (opening hours and time-based rules change without a reading). It answers
 * nearest-AED queries, a cabinet's coverage impact, and district coverage, which it writes to
 * InfluxDB (`coverage`) when it changes and at least every `write_interval_ms`.
 */
export class Coverage {
  private readonly deps: CoverageDeps
  private index = new SpatialIndex([])
  private registrations: Registration[] = []
  private registrySize = -1
  private signature = ''
  private readonly dirty = new Set<string>()
  private districts: DistrictCoverage[] = []
  private districtsStale = true
  private readonly written = new Map<
    string,
    { covered: number; points: number; radius: number; atMs: number }
  >()
  private timers: NodeJS.Timeout[] = []
  /** Usable AEDs per district code, kept with the flags. */
  private readonly usableIn = new Map<string, number>()
  private seeding = false
  private stopped = false
  private sliced: Promise<void> | null = null
  private readonly openNow: OpenNowMemo

  constructor(deps: CoverageDeps) {
    this.deps = deps
    this.openNow = new OpenNowMemo(deps.openingHours)
  }

  /**
   * Computes coverage without writing it: a restart does not write every district again (the
   * last points stand until a change or `write_interval_ms`), nor spends outbox room that
   * cabinets' readings may need.
   */
  start(): void {
    this.seeding = true
    try {
      this.refreshAll()
    } finally {
      this.seeding = false
    }
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(() => {
        try {
          fn()
        } catch (err) {
          this.deps.log.error({ err }, 'coverage refresh failed')
        }
      }, ms)
      t.unref()
      this.timers.push(t)
    }
    every(this.deps.config.refresh_ms, () => this.flush())
    every(this.deps.config.full_refresh_ms, () => {
      this.sliced ??= this.refreshInSlices().finally(() => {
        this.sliced = null
      })
    })
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    this.stopped = true
    await this.sliced
  }

  /** A cabinet's readiness may have changed (a reading, a connection): re-checked on the next flush. */
  touch(id: string): void {
    this.dirty.add(id)
  }

  /** Applies the touched cabinets to the index; district coverage follows when any flag moved. */
  flush(): void {
    if (this.dirty.size === 0) {
      this.writeDistricts()
      return
    }
    const now = this.deps.clock()
    for (const id of this.dirty) {
      const slot = this.index.slotOf(id)
      if (slot === undefined) {
        // a cabinet the index does not know: registered since the last build
        if (this.deps.registry.get(id)?.retired === false) {
          this.refreshAll()
          return
        }
        continue
      }
      if (this.setFlag(slot, this.check(this.registrations[slot] as Registration, now))) {
        this.districtsStale = true
      }
    }
    this.dirty.clear()
    this.writeDistricts()
  }

  /** Rebuilds the index if the registry changed, re-checks every cabinet, recomputes districts. */
  refreshAll(): void {
    const list = this.deps.registry.list()
    const signature = signatureOf(list)
    if (signature !== this.signature) {
      this.registrations = list.filter((c) => !c.retired).map((c) => c.registration)
      this.index = new SpatialIndex(this.registrations)
      this.usableIn.clear()
      this.signature = signature
      this.registrySize = this.deps.registry.size()
    }
    this.dirty.clear()
    const now = this.deps.clock()
    for (const [slot, reg] of this.registrations.entries()) this.setFlag(slot, this.check(reg, now))
    this.districtsStale = true
    this.writeDistricts()
  }

  /**
   * refreshAll for the periodic timer: the same re-check in slices of SLICE cabinets with the
   * event loop free between them, so 100,000 cabinets do not hold MQTT acknowledgements up.
   */
  private async refreshInSlices(): Promise<void> {
    if (this.registryChanged()) {
      this.refreshAll()
      return
    }
    const index = this.index
    for (let from = 0; from < this.registrations.length; from += SLICE) {
      await new Promise((resolve) => setImmediate(resolve))
      if (this.stopped || this.index !== index) return
      const now = this.deps.clock()
      const to = Math.min(from + SLICE, this.registrations.length)
      for (let slot = from; slot < to; slot++) {
        if (this.setFlag(slot, this.check(this.registrations[slot] as Registration, now)))
          this.districtsStale = true
      }
    }
    this.writeDistricts()
  }

  /** Usable AEDs nearest to a place, nearest first, within `maxWalkM` walking; live status re-checked. */
  nearest(lat: number, lon: number, limit: number, maxWalkM: number): NearestAed[] {
    if (this.deps.registry.size() !== this.registrySize) this.refreshAll()
    const { config } = this.deps
    const now = this.deps.clock()
    for (let round = 1; ; round++) {
      const hits = this.index.nearest(lat, lon, limit, maxWalkM / config.detour_factor)
      const out: NearestAed[] = []
      let stale = false
      for (const h of hits) {
        const reg = this.registrations[h.slot] as Registration
        const { readiness } = this.deps.readinessOf(reg.id)
        const openNow = this.openNow.openAt(reg.opening_hours, now)
        if (usableNow(readiness, openNow, reg.access)) {
          out.push(nearestView(reg, readiness, openNow, walking(h.distance_m, config)))
        } else {
          this.setFlag(h.slot, false)
          this.districtsStale = true
          stale = true
        }
      }
      if (!stale || round >= MAX_VERIFY_ROUNDS) return out
    }
  }

  /** How far the nearest other usable AED is from a cabinet; null for a cabinet not indexed. */
  impactOf(id: string): CoverageImpact | null {
    const slot = this.index.slotOf(id)
    if (slot === undefined) return null
    const { config } = this.deps
    const reg = this.registrations[slot] as Registration
    const radius = radiusFor(config, reg.district_code)
    const hit = this.index.nearest(
      reg.lat,
      reg.lon,
      1,
      config.impact_search_m / config.detour_factor,
      slot,
    )[0]
    const walk = hit ? walking(hit.distance_m, config).walking_distance_m : null
    return { walking_distance_m: walk, radius_m: radius, hole: walk === null || walk > radius }
  }

  /** For the alert lifecycle: marks an alert whose cabinet's failure leaves a hole (impact.ts). */
  adjustFire(input: FireInput): FireInput {
    // most firings (a minor condition on every heartbeat) leave the cabinet usable: no query for those
    if (!makesUnusable(input.type, input.verdict.severity)) return input
    return withCoverageImpact(input, this.impactOf(input.cabinet))
  }

  /** District coverage now, by district code. */
  districtCoverage(): DistrictCoverage[] {
    if (this.districtsStale) {
      this.districts = districtCoverage(this.index, this.deps.demand ?? SUBDISTRICT_DEMAND, this.deps.config)
      this.districtsStale = false
    }
    return this.districts
  }

  /** Usable AEDs in the index now (all districts). */
  usableCount(): number {
    return this.index.usable
  }

  private check(reg: Registration, now: number): boolean {
    const { readiness } = this.deps.readinessOf(reg.id)
    if (readiness !== 'ready' && readiness !== 'degraded') return false
    return usableNow(readiness, this.openNow.openAt(reg.opening_hours, now), reg.access)
  }

  /** Writes each district whose coverage changed, or that was last written write_interval_ms ago. */
  private writeDistricts(): void {
    const outbox = this.deps.outbox
    if (!outbox) return
    const now = this.deps.clock()
    const due = [...this.written.values()].some((w) => now - w.atMs >= this.deps.config.write_interval_ms)
    if (!this.districtsStale && !due && this.written.size > 0) return
    for (const c of this.districtCoverage()) {
      const w = this.written.get(c.district_code)
      const same = w && w.covered === c.covered && w.points === c.points && w.radius === c.radius_m
      if (same && now - w.atMs < this.deps.config.write_interval_ms) continue
      this.written.set(c.district_code, {
        covered: c.covered,
        points: c.points,
        radius: c.radius_m,
        atMs: now,
      })
      if (this.seeding) continue
      const line = coverageLine(c, this.usableIn.get(c.district_code) ?? 0, now)
      outbox.append(`district-${c.district_code}`, line, now).catch((err: unknown) => {
        this.deps.log.error({ err, district: c.district_code }, 'coverage point not written to the outbox')
      })
    }
  }

  private registryChanged(): boolean {
    return signatureOf(this.deps.registry.list()) !== this.signature
  }

  /** Sets a cabinet's usable flag and its district's count; true when it changed. */
  private setFlag(slot: number, usable: boolean): boolean {
    if (!this.index.setUsable(slot, usable)) return false
    const code = (this.registrations[slot] as Registration).district_code
    this.usableIn.set(code, (this.usableIn.get(code) ?? 0) + (usable ? 1 : -1))
    return true
  }
}

/** Changes with every registration, update and retirement (each sets updatedAt to the clock). */
function signatureOf(list: readonly Cabinet[]): string {
  let latest = ''
  for (const c of list) if (c.updatedAt > latest) latest = c.updatedAt
  return `${list.length}/${latest}`
}
