import type { InfluxApi, InfluxSeries } from '../../store/influx.ts'

/** A district's coverage share over a period: the value in force at its start, the changes within. */
export interface CoverageHistory {
  initial: number | null
  points: Array<{ atMs: number; share: number }>
}

function rows(series: InfluxSeries[]): Array<Record<string, unknown>> {
  return series.flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  )
}

/** The `coverage` measurement per district over [startMs, endMs), with explicit epoch-ms bounds. */
export async function readCoverageHistory(
  influx: Pick<InfluxApi, 'query'>,
  startMs: number,
  endMs: number,
): Promise<Map<string, CoverageHistory>> {
  const [before, within] = await Promise.all([
    influx.query(
      `SELECT last("share") AS "share" FROM "coverage" WHERE time < ${startMs}ms GROUP BY "district"`,
    ),
    influx.query(
      `SELECT "share" FROM "coverage" WHERE time >= ${startMs}ms AND time < ${endMs}ms GROUP BY "district"`,
    ),
  ])
  const out = new Map<string, CoverageHistory>()
  const entry = (code: string) => {
    let e = out.get(code)
    if (!e) {
      e = { initial: null, points: [] }
      out.set(code, e)
    }
    return e
  }
  for (const r of rows(before[0] ?? []))
    if (typeof r.share === 'number') entry(String(r.district)).initial = r.share
  for (const r of rows(within[0] ?? []))
    if (typeof r.share === 'number')
      entry(String(r.district)).points.push({ atMs: Number(r.time), share: r.share })
  for (const e of out.values()) e.points.sort((a, b) => a.atMs - b.atMs)
  return out
}

/**
 * The time-weighted mean coverage share over [startMs, endMs) (4 decimals): each value holds
 * until the next; time before the first known value does not count. null when nothing is known.
 */
export function dailyCoverageShare(
  h: CoverageHistory | undefined,
  startMs: number,
  endMs: number,
): number | null {
  if (!h) return null
  let value = h.initial
  let at = startMs
  let weighted = 0
  let known = 0
  for (const p of h.points) {
    if (p.atMs >= endMs) break
    if (p.atMs > at) {
      if (value !== null) {
        weighted += value * (p.atMs - at)
        known += p.atMs - at
      }
      at = p.atMs
    }
    value = p.share
  }
  if (value !== null && endMs > at) {
    weighted += value * (endMs - at)
    known += endMs - at
  }
  return known === 0 ? null : Math.round((weighted / known) * 10_000) / 10_000
}
