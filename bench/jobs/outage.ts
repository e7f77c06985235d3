import { join } from 'node:path'
import { type Influxd, startInfluxd } from '../../scripts/lib/influxd.ts'
import type { Progress } from '../progress.ts'
import { OUTAGE_SECONDS, QUICK } from '../settings.ts'
import { webhookReceiver } from './door-to-webhook.ts'
import { startBenchGateway } from './gateway.ts'
import { runLoad } from './load.ts'
import { lostOf, storedSeqs } from './stored.ts'

export interface OutageDrain {
  /** Offered heartbeats/s, open loop, before, during and after the outage. */
  offered_per_s: number
  cabinets: number
  outage_seconds: number
  /** The full run's 10 minutes, or fewer in a --quick run (said here and in the summary). */
  note: string
  /** Messages/s accepted into the outbox while InfluxDB was down (its depth's growth). */
  buildup_per_s: number
  backlog_rows: number
  /** Outbox rows/s written to InfluxDB from its return until the backlog was gone, load still on. */
  drain_per_s: number
  drain_seconds: number
  /** drain_per_s / buildup_per_s (goal ≥ 5). */
  ratio: number
  acked: number
  /** Acknowledged (cabinet, seq) not in InfluxDB once everything was written. */
  lost: number
}

const OUTAGE_S = OUTAGE_SECONDS
const RATE = Number(process.env.BENCH_OUTAGE_RATE || 1000)
const CABINETS = 1000
const WARM_S = QUICK ? 5 : 10
const TS_BASE = Date.UTC(2026, 2, 1)

interface Sample {
  at: number
  depth: number
  written: number
}

function metricValue(metrics: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)
  return m ? Number(m[1]) : Number.NaN
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * An InfluxDB outage under steady load: `RATE` heartbeats/s open loop from `CABINETS` cabinets;
 * after WARM_S, InfluxDB (its own instance) is stopped for OUTAGE_S and started again on the same
 * port and data. The outbox's depth, read every second from /metrics, gives the build-up rate;
 * the lines written from InfluxDB's return until the depth is back where it was before the
 * outage give the drain rate. Then every acknowledged heartbeat is looked up in InfluxDB.
 */
export async function outageDrain(dir: string, progress: Progress): Promise<OutageDrain> {
  const influxDir = join(dir, 'influxdb-outage')
  let influxd: Influxd = await startInfluxd(influxDir)
  const port = influxd.port
  const hook = await webhookReceiver()
  const gw = await startBenchGateway(join(dir, 'outage'), influxd.url, hook.url, CABINETS, 'outage')
  const samples: Sample[] = []
  const sample = async () => {
    const m = await gw.metrics()
    const s = {
      at: performance.now(),
      depth: metricValue(m, 'aedgw_outbox_depth'),
      written: metricValue(m, 'aedgw_influx_lines_written_total'),
    }
    samples.push(s)
    return s
  }
  try {
    // open loop throughout: before, during and after the outage, long enough for a drain at a
    // third of the goal's pace (drain time = outage × build-up / (drain − build-up)); --quick
    // keeps the load on for 15 s after (a drain ≥ 2.3× the build-up), then measures the rest of
    // a slower drain without load and says so
    const after = QUICK ? 15 : Math.max(30, OUTAGE_S / 2)
    const loadSeconds = WARM_S + OUTAGE_S + after
    const loadEnds = performance.now() + loadSeconds * 1000
    const loading = runLoad(gw.mqttUrl, gw.creds, dir, {
      mode: `rate:${RATE}`,
      seconds: loadSeconds,
      tsBase: TS_BASE,
      keepAcked: true,
    })
    await sleep(WARM_S * 1000)
    const steady = await sample()
    progress.note(`InfluxDB down for ${OUTAGE_S} s under ${RATE}/s`)
    await influxd.stop()
    const down = await sample()
    const downUntil = down.at + OUTAGE_S * 1000
    while (performance.now() < downUntil) {
      const s = await sample()
      progress.note(`InfluxDB down: outbox ${s.depth} rows`)
      await sleep(1000)
    }
    const peak = await sample()
    influxd = await startInfluxd(influxDir, port)
    const back = await sample()
    // the backlog is gone once the depth is down to what it was under steady load
    const floor = Math.max(steady.depth, RATE)
    let drained = back
    for (;;) {
      drained = await sample()
      progress.note(`InfluxDB back: outbox ${drained.depth} rows`)
      if (drained.depth <= floor || drained.at - back.at > (OUTAGE_S + 50) * 1000) break
      // a fast drain takes about a second: sampled finely enough to time it
      await sleep(100)
    }
    const loadOnThroughout = drained.at < loadEnds
    const result = await loading
    // once everything is written, every acknowledged heartbeat must be in InfluxDB
    const writtenBy = performance.now() + 120_000
    for (let s = await sample(); s.depth > 0 && performance.now() < writtenBy; s = await sample())
      await sleep(500)
    const stored = await storedSeqs(influxd.url, 'outage', TS_BASE, TS_BASE + 30 * 86_400_000)
    const buildup = (peak.depth - down.depth) / ((peak.at - down.at) / 1000)
    const drainSeconds = (drained.at - back.at) / 1000
    const drain = (drained.written - back.written) / Math.max(0.001, drainSeconds)
    return {
      offered_per_s: RATE,
      cabinets: CABINETS,
      outage_seconds: OUTAGE_S,
      note:
        (OUTAGE_S >= 600 ? 'a 10-minute outage' : `a ${OUTAGE_S} s outage, not 10 minutes (--quick)`) +
        (loadOnThroughout ? '' : '; the load ended before the backlog was gone'),
      buildup_per_s: Math.round(buildup),
      backlog_rows: peak.depth,
      drain_per_s: Math.round(drain),
      drain_seconds: Number(drainSeconds.toFixed(1)),
      ratio: Number((drain / Math.max(1, buildup)).toFixed(2)),
      acked: result.acked,
      lost: lostOf(result.ackedSeqs, stored),
    }
  } finally {
    await gw.stop()
    hook.close()
    await influxd.stop()
  }
}
