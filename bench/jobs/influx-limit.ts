import { SECONDS } from '../settings.ts'
import { countStored, createDatabase } from './stored.ts'

export interface InfluxLimit {
  points: number
  seconds: number
  points_per_s: number
  batch: number
  concurrency: number
}

const BATCH = 5000
const CONCURRENCY = 4
const CABINETS = 1000

/**
 * Limit 1: the heartbeat's line protocol written straight into InfluxDB (database `limit`) in
 * batches of BATCH points, CONCURRENCY writes in flight, for SECONDS; the points counted back.
 */
export async function influxLimit(influxUrl: string): Promise<InfluxLimit> {
  await createDatabase(influxUrl, 'limit')
  const base = Date.UTC(2026, 0, 1)
  let next = 0
  const batch = (): string => {
    const lines: string[] = []
    for (let i = 0; i < BATCH; i++, next++) {
      const cab = `BENCH-${String(next % CABINETS).padStart(5, '0')}`
      const seq = Math.floor(next / CABINETS)
      lines.push(
        `heartbeat,cabinet=${cab},district=${1001 + (next % 50)} seq=${seq}i,battery_pct=87,pad_expiry="2027-05-01",pad_days_left=520i,door_open=false,aed_present=true,temp_c=31.5,self_test="pass",power="mains",received_ms=${Date.now()}i ${base + seq * 1000}`,
      )
    }
    return lines.join('\n')
  }
  const started = performance.now()
  const until = started + SECONDS * 1000
  const writer = async () => {
    while (performance.now() < until) {
      const res = await fetch(`${influxUrl}/write?db=limit&precision=ms`, { method: 'POST', body: batch() })
      if (res.status !== 204) throw new Error(`InfluxDB /write answered ${res.status}: ${await res.text()}`)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, writer))
  const seconds = (performance.now() - started) / 1000
  const points = await countStored(influxUrl, 'limit', base, base + 86_400_000 * 365)
  return {
    points,
    seconds,
    points_per_s: Math.round(points / seconds),
    batch: BATCH,
    concurrency: CONCURRENCY,
  }
}
