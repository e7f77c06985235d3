import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../scripts/lib/influxd.ts'
import { backfillMemory } from './jobs/backfill-memory.ts'
import { webhookReceiver } from './jobs/door-to-webhook.ts'
import { rssAfterGc, startBenchGateway } from './jobs/gateway.ts'
import { runLoad } from './jobs/load.ts'
import { idleMemory } from './jobs/memory.ts'
import { Progress } from './progress.ts'
import { CABINETS, IDLE, SECONDS, WINDOW } from './settings.ts'

const round = (l: number[]) => l.map((x) => Number(x.toFixed(2)))

/**
 * `npm run bench -- --only backfill` or `--only idle`: one memory phase alone (the gateway only,
 * no Mosquitto), so a change can be measured before and after without the rest of the run.
 * `--only closed`: the gateway under a closed-loop load (BENCH_CABINETS cabinets, BENCH_WINDOW
 * heartbeats in flight each, BENCH_SECONDS), acknowledged/s. Prints one JSON line with the load
 * average at its start and end.
 */
export async function phaseAlone(phase: 'backfill' | 'idle' | 'closed'): Promise<void> {
  const loadavgStart = loadavg()
  const dir = mkdtempSync(join(tmpdir(), `aedgw-bench-${phase}-`))
  const progress = new Progress(1)
  progress.start()
  const influxd = await startInfluxd(join(dir, 'influxdb'))
  try {
    let result: unknown
    if (phase === 'backfill') {
      progress.step(1, 'Ours: resident memory with 300 cabinets after their backfill')
      result = await backfillMemory(influxd.url, join(dir, 'backfill'), progress)
    } else if (phase === 'closed') {
      progress.step(1, `Ours: closed loop, ${CABINETS} cabinets, ${WINDOW} in flight each, ${SECONDS} s`)
      const hook = await webhookReceiver()
      const gw = await startBenchGateway(join(dir, 'closed'), influxd.url, hook.url, CABINETS)
      try {
        const r = await runLoad(gw.mqttUrl, gw.creds, dir)
        const { ackedSeqs: _, timeline: __, ...counts } = r
        result = {
          cabinets: CABINETS,
          window: WINDOW,
          acked_per_s: Math.round(r.acked / r.seconds),
          ...counts,
        }
      } finally {
        await gw.stop()
        hook.close()
      }
    } else {
      const most = Math.max(...IDLE)
      progress.step(1, `Ours: memory per idle connection (registering ${most} cabinets)`)
      const hook = await webhookReceiver()
      const gw = await startBenchGateway(join(dir, 'idle'), influxd.url, hook.url, most, 'idle')
      try {
        result = await idleMemory('Ours', gw.pid, gw.mqttUrl, gw.creds, dir, progress, () =>
          rssAfterGc(gw.pid),
        )
      } finally {
        await gw.stop()
        hook.close()
      }
    }
    progress.stop()
    const summary = { phase, loadavg_start: round(loadavgStart), loadavg_end: round(loadavg()), result }
    process.stdout.write(`${JSON.stringify(summary)}\n`)
  } finally {
    progress.stop()
    await influxd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
