import { Point } from '@influxdata/influxdb-client'
import type Database from 'better-sqlite3'
import type { Logger } from 'pino'
import type { Registry } from '../registry/registry.ts'
import type { Readiness, ReadinessReason } from '../rules/readiness.ts'

export type ReadinessOf = (id: string) => { readiness: Readiness; reasons: ReadinessReason[] }

export interface ReadinessHistoryDeps {
  db: Database.Database
  registry: Pick<Registry, 'list'>
  readinessOf: ReadinessOf
  /** The durable InfluxDB outbox: a change is written once it is committed there. */
  outbox: { append(cabinet: string, line: string, recvMs: number): Promise<void> }
  clock: () => number
  log: Logger
  intervalMs: number
}

interface Last {
  readiness: string
  codes: string
}

/**
 * Readiness history in InfluxDB: measurement `readiness`, one point per change of a cabinet's
 * readiness or of its reason codes (docs/grafana.md, "Assumed, written by the readiness and alert
 * stages"). Readiness is polled every `intervalMs` rather than hooked into the rules, so
 * conditions that start with time alone (offline, expiry) are seen too. The last value written is
 * kept in state.db: a restart does not write every cabinet again.
 */
export class ReadinessHistory {
  private readonly deps: ReadinessHistoryDeps
  private readonly last = new Map<string, Last>()
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null

  constructor(deps: ReadinessHistoryDeps) {
    this.deps = deps
  }

  start(): void {
    const { db } = this.deps
    db.exec(`CREATE TABLE IF NOT EXISTS feeds_readiness_last (
      cabinet TEXT PRIMARY KEY,
      readiness TEXT NOT NULL,
      reason_codes TEXT NOT NULL,
      written_ms INTEGER NOT NULL
    )`)
    const rows = db
      .prepare('SELECT cabinet, readiness, reason_codes FROM feeds_readiness_last')
      .all() as Array<{
      cabinet: string
      readiness: string
      reason_codes: string
    }>
    for (const r of rows) this.last.set(r.cabinet, { readiness: r.readiness, codes: r.reason_codes })
    this.timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.deps.log.error({ err }, 'readiness history tick failed'))
    }, this.deps.intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** Compares every registered cabinet's readiness with the last written; writes the changes. */
  tick(): Promise<void> {
    if (this.running) return this.running
    this.running = this.observe().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async observe(): Promise<void> {
    const { registry, readinessOf, outbox, clock, db } = this.deps
    const save = db.prepare(
      `INSERT INTO feeds_readiness_last (cabinet, readiness, reason_codes, written_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (cabinet) DO UPDATE SET readiness = excluded.readiness,
         reason_codes = excluded.reason_codes, written_ms = excluded.written_ms`,
    )
    for (const c of registry.list()) {
      if (c.retired) continue
      const reg = c.registration
      const r = readinessOf(reg.id)
      const codes = [...new Set(r.reasons.map((x) => x.code))].sort().join(',')
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
      this.last.set(reg.id, { readiness: r.readiness, codes })
      save.run(reg.id, r.readiness, codes, at)
    }
  }
}

/**
 * One `readiness` point. `reasons` is for people (the dashboards' tooltips); `reason_codes` (rule
 * types, comma-separated, sorted) is for aggregation (the BKKHDC dataset's causes).
 */
export function readinessLine(p: {
  cabinet: string
  district: string
  readiness: Readiness
  reasons: ReadinessReason[]
  lat: number
  lon: number
  atMs: number
}): string {
  return new Point('readiness')
    .tag('cabinet', p.cabinet)
    .tag('district', p.district)
    .tag('readiness', p.readiness)
    .stringField('state', p.readiness)
    .stringField('reasons', p.reasons.map((r) => r.message).join('; '))
    .stringField('reason_codes', [...new Set(p.reasons.map((r) => r.code))].sort().join(','))
    .floatField('lat', p.lat)
    .floatField('lon', p.lon)
    .timestamp(String(p.atMs))
    .toLineProtocol() as string
}
