import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../scripts/lib/influxd.ts'
import { webhookReceiver } from './jobs/door-to-webhook.ts'
import { startProfiledGateway } from './jobs/gateway.ts'
import { sweep } from './jobs/sweep.ts'
import { Progress } from './progress.ts'
import { CABINETS, RATES, STEP_SECONDS } from './settings.ts'

/**
 * `npx tsx bench/profile-stored.ts --quick`: the gateway's stored rate at one offered rate, for
 * comparing two versions of the code one run right after the other. One sweep step of the
 * benchmark (open loop, BENCH_RATES, BENCH_STEP_SECONDS) against a throwaway InfluxDB; prints
 * one JSON line: the load average at start and end, acknowledged and stored heartbeats/s,
 * acknowledged but never stored, and the gateway's event-loop delay p99 and max over the load
 * (its histogram is reset by a scrape just before, so start-up is not counted).
 * BENCH_PROFILE=DIR also writes a CPU profile of the gateway there (bench/cpu-profile.mjs);
 * BENCH_GATEWAY_STDOUT=FILE keeps the gateway's stdout (e.g. `--trace-gc` lines, with
 * AEDGW_NODE_FLAGS, scripts/lib/processes.ts).
 */
async function main(): Promise<void> {
  const loadavgStart = loadavg()
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-bench-stored-'))
  const influxd = await startInfluxd(join(dir, 'influxdb'))
  const hook = await webhookReceiver()
  try {
    const gw = await startProfiledGateway(join(dir, 'ours'), influxd.url, hook.url, CABINETS)
    const out = process.env.BENCH_GATEWAY_STDOUT
    if (out) gw.process.stdout?.pipe(createWriteStream(out))
    else gw.process.stdout?.resume()
    try {
      // the scrape resets the delay histogram: what it held so far is start-up and registration
      const startup = lagOf(await gw.metrics(), 'max')
      const cpuBefore = cpuSeconds(gw.pid)
      const progress = new Progress(1)
      const result = await sweep(
        { name: 'Ours', mqttUrl: gw.mqttUrl, creds: gw.creds, influxUrl: influxd.url, db: 'ours' },
        dir,
        progress,
      )
      const cpuAfter = cpuSeconds(gw.pid)
      const text = await gw.metrics()
      const lag = (q: string) => lagOf(text, q)
      for (const s of result.steps)
        process.stdout.write(
          `${JSON.stringify({
            offered: s.offered_per_s,
            step_s: STEP_SECONDS,
            loadavg_start: loadavgStart.map((l) => Number(l.toFixed(2))),
            loadavg_end: loadavg().map((l) => Number(l.toFixed(2))),
            acked_per_s: s.acked_per_s,
            stored_per_s: s.stored_per_s,
            acked_not_stored: s.acked_not_stored,
            puback_p99_ms: s.puback_p99_ms,
            stored_p99_ms: s.stored_p99_ms,
            loop_p99_ms: lag('p99'),
            loop_max_ms: lag('max'),
            loop_max_startup_ms: startup,
            // CPU time per 1,000 heartbeats: far less disturbed by a busy machine than the rates
            main_cpu_ms_per_1000_acked: perThousand(cpuAfter.main - cpuBefore.main, s.acked),
            process_cpu_ms_per_1000_stored: perThousand(cpuAfter.all - cpuBefore.all, s.stored),
            rates: RATES,
          })}\n`,
        )
    } finally {
      await gw.stop()
    }
  } finally {
    hook.close()
    await influxd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** CPU seconds (user + system) of a process's main thread and of the whole process, from /proc. */
function cpuSeconds(pid: number): { main: number; all: number } {
  const ticks = (file: string) => {
    const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? []
    // utime and stime are fields 14 and 15 of stat(5); after "pid (comm) " they are 12th and 13th
    return (Number(fields[11]) + Number(fields[12])) / 100
  }
  return { main: ticks(`/proc/${pid}/task/${pid}/stat`), all: ticks(`/proc/${pid}/stat`) }
}

function perThousand(seconds: number, count: number): number {
  return count > 0 ? Number(((seconds * 1000 * 1000) / count).toFixed(1)) : Number.NaN
}

/** The gateway's event-loop delay quantile `q` (p99, max) in milliseconds, from /metrics text. */
function lagOf(metrics: string, q: string): number {
  const m = new RegExp(`^aedgw_nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(metrics)
  return Number((Number(m?.[1]) * 1000).toFixed(1))
}

await main()
