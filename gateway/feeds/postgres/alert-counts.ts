import type pg from 'pg'
import type { Period } from '../bkkhdc/period.ts'

/**
 * Alerts raised in a period (transition `open` or `reopen`), per district and alert type, from the
 * alert tables in PostgreSQL: what the embedded mode reads from InfluxDB's `alert` measurement,
 * which worker mode does not write. District outage alerts count under their district as there.
 */
export async function pgAlertCounts(pool: pg.Pool, p: Period): Promise<Map<string, Map<string, number>>> {
  const { rows } = await pool.query<{ district: string; type: string; n: number }>(
    `SELECT a.district, a.type, count(*)::int AS n
       FROM alert_transitions t JOIN alerts a ON a.id = t.alert_id
      WHERE t.kind IN ('open', 'reopen') AND t.at_ms >= $1 AND t.at_ms < $2
      GROUP BY a.district, a.type`,
    [p.startMs, p.endMs],
  )
  const out = new Map<string, Map<string, number>>()
  for (const r of rows) {
    const byType = out.get(r.district) ?? new Map<string, number>()
    byType.set(r.type, r.n)
    out.set(r.district, byType)
  }
  return out
}
