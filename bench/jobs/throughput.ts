import { SECONDS } from '../settings.ts'
import type { BenchGateway } from './gateway.ts'
import { type LoadResult, runLoad } from './load.ts'

export interface Throughput {
  load: LoadResult
  /** Heartbeats in InfluxDB once the writer caught up (or gave up waiting). */
  stored: number
  /** From the start of the load until `stored` was counted. */
  storedSeconds: number
  rssBytes: number
}

async function countStored(influxUrl: string, db: string): Promise<number> {
  const q = new URLSearchParams({ db, q: 'SELECT count(seq) FROM heartbeat' })
  const json = (await (await fetch(`${influxUrl}/query?${q}`)).json()) as {
    results: Array<{ series?: Array<{ values: number[][] }> }>
  }
  return json.results[0]?.series?.[0]?.values[0]?.[1] ?? 0
}

/**
 * The gateway's maximum: the closed-loop load for SECONDS, then the wait until every acknowledged
 * heartbeat is in InfluxDB (at most five minutes more), and the gateway's RSS at the end.
 */
export async function throughput(gw: BenchGateway, influxUrl: string, dir: string): Promise<Throughput> {
  const started = performance.now()
  const load = await runLoad(gw.mqttUrl, gw.creds, dir)
  let stored = 0
  for (;;) {
    stored = await countStored(influxUrl, 'bench')
    if (stored >= load.acked || performance.now() - started > (SECONDS + 300) * 1000) break
    await new Promise((r) => setTimeout(r, 200))
  }
  const storedSeconds = (performance.now() - started) / 1000
  const rssBytes = Number(/aedgw_process_resident_memory_bytes (\d+)/.exec(await gw.metrics())?.[1] ?? 0)
  return { load, stored, storedSeconds, rssBytes }
}
