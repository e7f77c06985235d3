import { AedgwError } from '../../lib/errors.ts'
import { bangkokFields, bangkokMidnight } from '../bangkok-time.ts'

/** One calendar month in Bangkok time: [startMs, endMs), its days in order. */
export interface Period {
  month: string
  startMs: number
  endMs: number
  days: Array<{ date: string; startMs: number; endMs: number }>
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/

export function periodOf(month: string): Period {
  const m = MONTH_RE.exec(month)
  if (!m) throw new AedgwError('AEDGW_ERR_VALIDATION', `month must be YYYY-MM, got "${month}"`)
  const year = Number(m[1])
  const mon = Number(m[2])
  const startMs = bangkokMidnight(year, mon, 1)
  const endMs = bangkokMidnight(year, mon + 1, 1)
  const days: Period['days'] = []
  for (let d = 1; bangkokMidnight(year, mon, d) < endMs; d++) {
    const s = bangkokMidnight(year, mon, d)
    days.push({ date: `${month}-${String(d).padStart(2, '0')}`, startMs: s, endMs: s + 86_400_000 })
  }
  return { month, startMs, endMs, days }
}

/** The calendar month before the one holding `nowMs`, Bangkok time. */
export function previousMonth(nowMs: number): string {
  const f = bangkokFields(nowMs)
  const year = f.month === 1 ? f.year - 1 : f.year
  const month = f.month === 1 ? 12 : f.month - 1
  return `${year}-${String(month).padStart(2, '0')}`
}

/** Whether the month has ended by `nowMs` (only finished months are built). */
export function monthEnded(month: string, nowMs: number): boolean {
  return periodOf(month).endMs <= nowMs
}
