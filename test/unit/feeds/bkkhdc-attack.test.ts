import { describe, expect, it } from 'vitest'
import { aggregate, type DatasetTables, type Row } from '../../../gateway/feeds/bkkhdc/aggregate.ts'
import { NOT_READY_CAUSES } from '../../../gateway/feeds/bkkhdc/causes.ts'
import { buildDataset } from '../../../gateway/feeds/bkkhdc/dataset.ts'
import { applyPattern, patternOf } from '../../../gateway/feeds/bkkhdc/pattern.ts'
import { periodOf } from '../../../gateway/feeds/bkkhdc/period.ts'
import type { History, ReadinessPoint } from '../../../gateway/feeds/bkkhdc/queries.ts'
import { HOURS_BAND, hoursBand, SUPPRESSED } from '../../../gateway/feeds/bkkhdc/suppress.ts'
import { segments, tally } from '../../../gateway/feeds/bkkhdc/timeline.ts'
import type { RegisteredCabinet } from '../../../gateway/feeds/bkkhdc/units.ts'

/**
 * An outsider with the whole delivery (every file of every revision) tries to recover suppressed
 * cells: for each one, the values the rest of the delivery still allows. Each district-day row has
 * one relation, ready + not ready + not monitored = registered cabinet-hours, read through the
 * availability band; there are no published totals of hours, and a rebuild's rows are the first
 * build's where the data did not change. The outsider is given what the delivery does not say
 * (every cabinet in service all month, so registered hours = 24 × cabinets) and still cannot narrow
 * a suppressed cell below the band it would have had.
 */

// February 2026 in Bangkok time (UTC+7)
const MONTH = '2026-02'
const bkk = (d: number, h = 0, m = 0) => Date.UTC(2026, 1, d, h - 7, m)
const BANG_NA = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6'].map((k) => `BKK-1047-00${k}`)
const [K1, K2, K3, K4, K5, K6] = BANG_NA as [string, string, string, string, string, string]
const SMALL = { 'BKK-1001-00P1': '1001', 'BKK-1001-00P2': '1001', 'BKK-1002-00Q1': '1002' }
const P1 = 'BKK-1001-00P1'

const cabinets: RegisteredCabinet[] = [
  ...BANG_NA.map((id) => ({ id, district: '1047', createdMs: Date.UTC(2025, 0, 1), retiredMs: null })),
  ...Object.entries(SMALL).map(([id, district]) => ({
    id,
    district,
    createdMs: Date.UTC(2025, 0, 1),
    retiredMs: null,
  })),
]

type Spell = [cabinet: string, state: string, codes: string, from: number, to: number]

/** The month's spells of not-ready and offline; every cabinet is ready otherwise. */
const FIRST: Spell[] = [
  // an AED used across midnight: out 23:10 on the 3rd, back 00:40 on the 4th
  [K1, 'in_use', 'aed_in_use', bkk(3, 23, 10), bkk(4, 0, 40)],
  ...[K2, K3, K4, K5, K6].map((k): Spell => [k, 'offline', 'offline', bkk(3, 2), bkk(3, 3, 30)]),
  [K2, 'not_ready', 'battery_low', bkk(5, 8), bkk(5, 14)],
  [K3, 'not_ready', 'pad_expiry', bkk(5, 9), bkk(5, 12)],
  ...BANG_NA.map((k): Spell => [k, 'not_ready', 'pad_expiry', bkk(7, 10), bkk(7, 12, 15)]),
  [K4, 'not_ready', 'self_test_failed', bkk(9, 6), bkk(9, 6, 30)],
  [K5, 'offline', 'offline', bkk(9, 1), bkk(9, 6)],
  [P1, 'in_use', 'aed_in_use', bkk(10, 17, 5), bkk(10, 17, 45)],
]
/** Late data that makes the month be rebuilt: a battery spell on the 20th. */
const LATE: Spell[] = [[K6, 'not_ready', 'battery_low', bkk(20, 9), bkk(20, 12)]]

function historyOf(spells: readonly Spell[]): History {
  const readiness: History['readiness'] = new Map()
  for (const c of cabinets)
    readiness.set(c.id, {
      district: c.district,
      initial: { atMs: bkk(-10), state: 'ready', codes: '' },
      points: [],
    })
  for (const [cab, state, codes, from, to] of spells) {
    const points = readiness.get(cab)!.points
    points.push({ atMs: from, state, codes }, { atMs: to, state: 'ready', codes: '' })
    points.sort((a: ReadinessPoint, b: ReadinessPoint) => a.atMs - b.atMs)
  }
  return {
    readiness,
    reporting: [],
    aedUses: new Map([
      ['1047', 1],
      ['1001', 1],
    ]),
    alerts: new Map([['1047', new Map([['aed_in_use', 1]])]]),
    expiries: [],
  }
}

/** The true hours of each cause per unit and day (what the delivery must not give away). */
function truth(history: History, grouped: readonly string[]): Map<string, Map<string, number>> {
  const period = periodOf(MONTH)
  const out = new Map<string, Map<string, number>>()
  for (const c of cabinets) {
    const unit = grouped.includes(c.district) ? 'small' : c.district
    const h = history.readiness.get(c.id)!
    const segs = segments(h.initial, h.points, period.startMs, period.endMs)
    for (const day of period.days) {
      const key = `${unit}|${day.date}`
      const m = out.get(key) ?? new Map<string, number>()
      m.set('registered', (m.get('registered') ?? 0) + 24)
      for (const [cause, ms] of tally(segs, day.startMs, day.endMs))
        if (cause !== null) m.set(cause, (m.get(cause) ?? 0) + ms / 3_600_000)
      out.set(key, m)
    }
  }
  return out
}

const COLUMN_CAUSE: Record<string, string> = {
  hours_not_monitored: 'offline',
  ...Object.fromEntries(NOT_READY_CAUSES.map((c) => [`hours_not_ready_${c}`, c])),
}

/** A published hours cell as an interval; null when suppressed. */
function published(cell: Row[string]): [number, number] | null {
  if (cell === SUPPRESSED) return null
  if (cell === 0) return [0, 0]
  const [lo, hi] = String(cell).split('-').map(Number) as [number, number]
  return [lo, hi]
}

/**
 * Whether the row stays as published when the cell's hours are `v` and every other cell keeps its
 * true value: its own cell suppressed, the others unchanged, and the availability that follows
 * inside the published band.
 */
function consistent(row: Row, values: Map<string, number>, column: string, v: number): boolean {
  const hours = (col: string) => (col === column ? v : (values.get(COLUMN_CAUSE[col]!) ?? 0))
  const registered = values.get('registered')!
  const notMonitored = hours('hours_not_monitored')
  let notReady = 0
  for (const col of Object.keys(COLUMN_CAUSE)) if (col !== 'hours_not_monitored') notReady += hours(col)
  if (notReady + notMonitored > registered + 1e-9 || v < 0) return false
  const band = row.availability
  // a group with fewer than 5 cabinets publishes no availability: no relation to go by
  if (band === SUPPRESSED) return true
  if (band === null) return registered - notMonitored <= 1e-9
  const [lo, hi] = String(band).split('-').map(Number) as [number, number]
  const availability = 1 - notReady / (registered - notMonitored)
  return availability >= lo - 1e-9 && availability <= hi + 1e-9
}

/**
 * Interval propagation over the row's relation, as an outsider would do it with the published
 * cells only: bounds on a not-ready cell from the availability band, the not-monitored band and the
 * other not-ready bands (suppressed ones anywhere from 0 to the registered hours).
 */
function outsiderBounds(row: Row, registered: number, column: string): [number, number] {
  const [aLo, aHi] = String(row.availability).split('-').map(Number) as [number, number]
  const nm = column === 'hours_not_monitored' ? null : published(row.hours_not_monitored ?? null)
  const [nLo, nHi] = nm ?? [0, registered]
  const notReadyMin = (1 - aHi) * (registered - nHi)
  const notReadyMax = (1 - aLo) * (registered - nLo)
  let othersLo = 0
  let othersHi = 0
  for (const col of Object.keys(COLUMN_CAUSE)) {
    if (col === column || col === 'hours_not_monitored') continue
    const [lo, hi] = published(row[col] ?? null) ?? [0, registered]
    othersLo += lo
    othersHi += hi
  }
  return [Math.max(0, notReadyMin - othersHi), Math.min(registered, notReadyMax - othersLo)]
}

function attack(tables: DatasetTables, history: History): number {
  const truths = truth(history, tables.grouped)
  let suppressed = 0
  for (const row of tables.daily) {
    const values = truths.get(`${row.district_code}|${row.date}`)!
    for (const column of Object.keys(COLUMN_CAUSE)) {
      if (row[column] !== SUPPRESSED) continue
      suppressed++
      const actual = values.get(COLUMN_CAUSE[column]!) ?? 0
      const [lo, hi] = hoursBand(actual, 1)
      const where = `${row.district_code} ${row.date} ${column}`
      // both ends of the cell's band fit everything published: no value in it can be ruled out
      expect(consistent(row, values, column, lo), `${where} at ${lo}`).toBe(true)
      expect(consistent(row, values, column, hi), `${where} at ${hi}`).toBe(true)
      if (column !== 'hours_not_monitored' && row.availability !== null && row.availability !== SUPPRESSED) {
        const [min, max] = outsiderBounds(row, values.get('registered')!, column)
        expect(max - min, where).toBeGreaterThanOrEqual(HOURS_BAND)
        expect(min).toBeLessThanOrEqual(lo + 1e-9)
        expect(max).toBeGreaterThanOrEqual(hi - 1e-9)
      }
    }
  }
  return suppressed
}

describe('BKKHDC dataset under attack', () => {
  const period = periodOf(MONTH)
  const first = historyOf(FIRST)
  const r1 = aggregate(period, first, cabinets)
  const ds1 = buildDataset('bkkhdc-aed-2026-02', period, r1, bkk(40))
  const later = historyOf([...FIRST, ...LATE])
  const r2 = aggregate(period, later, cabinets, r1.grouped)
  applyPattern(r2, patternOf(ds1.manifest.dataset_id, r1.grouped, ds1.files))

  it('merges the districts with fewer than 5 cabinets into one reported group', () => {
    expect(r1.grouped).toEqual(['1001', '1002'])
    const codes = new Set(r1.daily.map((r) => r.district_code))
    expect(codes).toEqual(new Set(['1047', 'small']))
    expect(ds1.manifest.suppression.grouped_districts).toEqual(['1001', '1002'])
  })

  it('recovers no suppressed hours cell of the first build to better than its band', () => {
    // the AED used across midnight, the lone battery, pads, self-test and offline spells
    const bangNa = (date: string) => r1.daily.find((r) => r.district_code === '1047' && r.date === date)!
    expect(bangNa('2026-02-03').hours_not_ready_missing).toBe(SUPPRESSED)
    expect(bangNa('2026-02-04').hours_not_ready_missing).toBe(SUPPRESSED)
    expect(bangNa('2026-02-03').hours_not_monitored).toBe('7-8')
    expect(bangNa('2026-02-07').hours_not_ready_pads).toBe('13-14')
    // six in Bang Na; the group of small districts (three cabinets) has every hours cell suppressed
    expect(attack(r1, first)).toBe(6 + 28 * 6)
    const small = r1.daily.filter((r) => r.district_code === 'small')
    expect(
      small.every((r) => r.availability === SUPPRESSED && r.hours_not_ready_missing === SUPPRESSED),
    ).toBe(true)
  })

  it('rebuilds with the first build’s pattern: no cell it suppressed is published, unchanged days are identical', () => {
    for (const [i, row] of r1.daily.entries()) {
      const again = r2.daily[i]!
      for (const [col, v] of Object.entries(row)) if (v === SUPPRESSED) expect(again[col]).toBe(SUPPRESSED)
      if (row.date !== '2026-02-20') expect(again).toEqual(row)
    }
    expect(r2.monthly.filter((r) => Object.values(r).includes(SUPPRESSED))).toHaveLength(
      r1.monthly.filter((r) => Object.values(r).includes(SUPPRESSED)).length,
    )
    expect(attack(r2, later)).toBeGreaterThan(attack(r1, first))
  })

  it('publishes no total that a suppressed count could be taken from', () => {
    const files = Object.values(ds1.files).join('\n')
    expect(files).not.toMatch(/\btotal\b/i)
    const bangNa = r1.monthly.find((r) => r.district_code === '1047')!
    expect(bangNa.aed_uses).toBe(SUPPRESSED)
    const small = r1.monthly.find((r) => r.district_code === 'small')!
    expect(small.aed_uses).toBe(SUPPRESSED)
    // one alert and one use, both suppressed: a count hides whether it is 1 or 4
    const inUse = r1.alerts.find((r) => r.district_code === '1047' && r.alert_type === 'aed_in_use')!
    expect(inUse.alerts_raised).toBe(SUPPRESSED)
  })
})
