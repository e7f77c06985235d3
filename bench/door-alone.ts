import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../scripts/lib/influxd.ts'
import { doorUnderLoad, webhookReceiver } from './jobs/door-to-webhook.ts'
import { startProfiledGateway } from './jobs/gateway.ts'
import { CABINETS } from './settings.ts'

/**
 * `npm run bench -- --only door`: the door opened → webhook job alone, without the sweep that
 * finds the sustained rate: the heartbeat load is offered at BENCH_DOOR_RATE a second (default
 * 4200, half the sustained stored rate of a quick run on the shared 2-core machine), so runs
 * before and after a change compare at the same rate. BENCH_PROFILE=DIR writes a CPU profile of
 * the gateway there (bench/cpu-profile.mjs, written when it stops). Prints one JSON line.
 */
export async function doorAlone(): Promise<void> {
  const rate = Number(process.env.BENCH_DOOR_RATE || 4200)
  const loadavgStart = loadavg()
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-bench-door-'))
  const influxd = await startInfluxd(join(dir, 'influxdb'))
  const hook = await webhookReceiver()
  try {
    const gw = await startProfiledGateway(join(dir, 'ours'), influxd.url, hook.url, CABINETS)
    try {
      const door = await doorUnderLoad(gw, hook, dir, rate)
      const summary = {
        rate,
        loadavg_start: loadavgStart.map((l) => Number(l.toFixed(2))),
        loadavg_end: loadavg().map((l) => Number(l.toFixed(2))),
        acked_per_s: Math.round(door.half.acked / door.half.seconds),
        door: door.door,
        loop: door.loop,
        heap_releases: door.heap_releases,
      }
      process.stdout.write(`${JSON.stringify(summary)}\n`)
    } finally {
      await gw.stop()
    }
  } finally {
    hook.close()
    await influxd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
