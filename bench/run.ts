import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../scripts/lib/influxd.ts'
import { ROOT } from '../scripts/lib/processes.ts'
import { baseline } from './jobs/baseline.ts'
import { doorUnderLoad, webhookReceiver } from './jobs/door-to-webhook.ts'
import { startBenchGateway } from './jobs/gateway.ts'
import { throughput } from './jobs/throughput.ts'
import { writeReport } from './report.ts'

const HELP = `npm run bench: heartbeat throughput of the gateway (acknowledged, then stored in a real
InfluxDB) against a bare aedes broker given the same load in the same run, as a ratio; then the
door-open → webhook latency at half that load. Writes its report under bench/results/.
Env: BENCH_CABINETS (400), BENCH_LOADERS (2), BENCH_WINDOW (8 in flight per cabinet),
BENCH_SECONDS (15), BENCH_PROBES (100).
`

/**
 * `npm run bench`, job by job: the bare-aedes baseline (jobs/baseline.ts), the gateway's
 * throughput to InfluxDB (jobs/throughput.ts), door-to-webhook under half that load
 * (jobs/door-to-webhook.ts); then the report (report.ts).
 */
async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-bench-'))
  const influxd = await startInfluxd(join(dir, 'influxdb'))
  try {
    const base = await baseline(dir)
    const hook = await webhookReceiver()
    const gw = await startBenchGateway(dir, influxd.url, hook.url)
    const gwFigures = await throughput(gw, influxd.url, dir)
    // half of the measured maximum, open loop, with the door-open probes alongside
    const halfRate = Math.round(gwFigures.load.acked / gwFigures.load.seconds / 2)
    const door = await doorUnderLoad(gw, hook, dir, halfRate)
    await gw.stop()
    hook.close()
    process.stdout.write(writeReport(join(ROOT, 'bench', 'results'), { base, gw: gwFigures, door }))
  } finally {
    await influxd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--help') || process.argv.includes('-h')) process.stdout.write(HELP)
else await main()
