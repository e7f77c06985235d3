import { randomBytes } from 'node:crypto'
import { AedgwError } from '../lib/errors.ts'
import type { AlertsConfig, Weekday } from './config.ts'
import { compileAll, type MatchFn } from './matchers.ts'
import type { Silence, SilenceStore } from './ports.ts'
import { inRecurrence } from './recurrence.ts'
import type { Labels } from './types.ts'

export type { Silence } from './ports.ts'

interface Window {
  name: string
  match: MatchFn
  days: Set<Weekday>
  startMin: number
  endMin: number
}

/** The latest time a Date can hold: a silence that ends only when expired. */
export const OPEN_ENDED = 8.64e15

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const BANGKOK_OFFSET_MS = 7 * 3_600_000

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return (h as number) * 60 + (m as number)
}

/**
 * The mute stage: silences made through the API (matchers, start, end, author, comment; recurring
 * ones only within their weekly slots, the API's maintenance windows) and recurring maintenance
 * windows from config, in Bangkok time.
 */
export class Silences {
  private readonly store: SilenceStore
  private readonly clock: () => number
  private silences: Array<Silence & { match: MatchFn }> = []
  private readonly windows: Window[]

  constructor(store: SilenceStore, config: Pick<AlertsConfig, 'maintenance_windows'>, clock: () => number) {
    this.store = store
    this.clock = clock
    this.windows = config.maintenance_windows.map((w) => ({
      name: w.name,
      match: compileAll(w.matchers),
      days: new Set(w.days),
      startMin: minutes(w.start),
      endMin: minutes(w.end),
    }))
  }

  start(): void {
    this.silences = this.store.all().map((s) => this.compile(s))
  }

  create(input: Omit<Silence, 'id' | 'created_ms'>): Silence {
    if (input.ends_ms <= input.starts_ms)
      throw new AedgwError('AEDGW_ERR_VALIDATION', 'ends_at must be after starts_at')
    const s: Silence = { ...input, id: `si_${randomBytes(6).toString('hex')}`, created_ms: this.clock() }
    this.store.insert(s)
    this.silences.push(this.compile(s))
    return s
  }

  /** Ends a silence now (kept for the record, as Alertmanager expires rather than deletes). */
  expire(id: string): Silence {
    const s = this.silences.find((x) => x.id === id)
    if (!s) throw new AedgwError('AEDGW_ERR_NOT_FOUND', `no silence ${id}`)
    const now = this.clock()
    s.ends_ms = Math.min(s.ends_ms, now)
    if (s.starts_ms > s.ends_ms) s.starts_ms = s.ends_ms
    const { match: _m, ...plain } = s
    this.store.update(plain)
    return plain
  }

  list(): Silence[] {
    return this.silences.map(({ match: _m, ...s }) => s)
  }

  /** Why these labels are muted now, or null. */
  mutedBy(labels: Labels, now = this.clock()): string | null {
    for (const s of this.silences) {
      if (this.activeAt(s, now) && s.match(labels)) return `silence ${s.id}`
    }
    for (const w of this.windows)
      if (this.inWindow(w, now) && w.match(labels)) return `maintenance window ${w.name}`
    return null
  }

  /** Within its start and end, and within one of its slots if it recurs. */
  activeAt(s: Silence, now: number): boolean {
    if (now < s.starts_ms || now >= s.ends_ms) return false
    return !s.recurrence || inRecurrence(s.recurrence, now)
  }

  private inWindow(w: Window, now: number): boolean {
    const local = new Date(now + BANGKOK_OFFSET_MS)
    const day = WEEKDAYS[local.getUTCDay()] as Weekday
    const prev = WEEKDAYS[(local.getUTCDay() + 6) % 7] as Weekday
    const min = local.getUTCHours() * 60 + local.getUTCMinutes()
    if (w.startMin < w.endMin) return w.days.has(day) && min >= w.startMin && min < w.endMin
    // runs past midnight: the evening of a listed day, or the early morning after one
    return (w.days.has(day) && min >= w.startMin) || (w.days.has(prev) && min < w.endMin)
  }

  private compile(s: Silence): Silence & { match: MatchFn } {
    return { ...s, match: compileAll(s.matchers) }
  }
}
