import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../scripts/lib/influxd.ts'
import { exitOf, ROOT, spawnTs } from '../scripts/lib/processes.ts'
import { doorAlone } from './door-alone.ts'
import { baseline } from './jobs/baseline.ts'
import { clusterBench } from './jobs/cluster.ts'
import { doorUnderLoad, webhookReceiver } from './jobs/door-to-webhook.ts'
import { startBenchGateway } from './jobs/gateway.ts'
import { influxLimit } from './jobs/influx-limit.ts'
import { startMosquitto, startNodeRed } from './jobs/peer.ts'
import { pgSweepBench } from './jobs/pg-sweep.ts'
import { sweep } from './jobs/sweep.ts'
import { phaseAlone } from './phase-alone.ts'
import { Progress } from './progress.ts'
import { writeReport, writeResourcesReport } from './report.ts'
import { RESOURCE_PHASES, runResources } from './resources.ts'
import { benchId, CABINETS, QUICK } from './settings.ts'

const HELP = `npm run bench [-- --quick]: in one run on this machine, with the same load generator and
heartbeats: Limit 1 (line protocol straight into InfluxDB), Limit 2 (bare aedes), and an open-loop
offered-rate sweep of the gateway (Ours) and of Mosquitto 2 + Node-RED 4 (Peer): acknowledged/s,
stored/s, acknowledged but never stored, publish→PUBACK and publish→stored p50/p99; door-open →
webhook at half the gateway's sustained rate; memory per idle connection, gateway and Mosquitto;
resident memory with 300 cabinets after a 14-day backfill (2 days with --quick); an InfluxDB
outage under steady load, 10 minutes (20 s with --quick): build-up and drain rates.
Writes bench/results/{date}-{commit}.json, .md and SVG charts. --quick takes about 3½ minutes
and says what it shortens,
the full run about 30. --only resources runs the memory and outage phases alone. Installs Debian's mosquitto (as root) and bench/peer/ (npm ci) when missing.
Env: BENCH_CABINETS, BENCH_LOADERS, BENCH_WINDOW, BENCH_SECONDS, BENCH_STEP_SECONDS, BENCH_RATES,
BENCH_DRAIN, BENCH_IDLE, BENCH_PROBES (see bench/settings.ts), BENCH_BACKFILL_DAYS,
BENCH_OUTAGE_SECONDS, BENCH_OUTAGE_RATE. The full run then runs
bench/nearest.ts (the nearest-AED index). --only door: the door → webhook job alone, at
BENCH_DOOR_RATE heartbeats/s (bench/door-alone.ts). --only backfill, --only idle: that memory
phase alone, the gateway only (bench/phase-alone.ts), one JSON line; --only closed: the gateway's
acknowledged rate under the closed-loop load (BENCH_CABINETS, BENCH_WINDOW, BENCH_SECONDS).
npm run bench -- --cluster: only cluster mode (bench/jobs/cluster.ts): acknowledged and stored
rate with one worker and with two, idle connections over three RabbitMQ nodes and memory per
connection; appends to bench/results/cluster/cluster-bench.jsonl.
npm run bench -- --pg-sweep: worker mode's rule sweep round against fleet size (1,000 to 100,000
cabinets; bench/jobs/pg-sweep.ts) on a throwaway PostgreSQL; appends to
bench/results/cluster/pg-sweep.jsonl.
`

const PHASES = 5 + RESOURCE_PHASES
/** `--only door`, `--only resources` (or `--only=…`): one part of the run alone */
function onlyArg(): string | null {
  const i = process.argv.findIndex((a) => a === '--only' || a.startsWith('--only='))
  if (i < 0) return null
  const a = process.argv[i] as string
  return a.includes('=') ? a.slice('--only='.length) : (process.argv[i + 1] ?? '')
}
const ONLY = onlyArg()
const ONLY_RESOURCES = ONLY === 'resources'

/** `npm run bench`, phase by phase, every system it measures started here and stopped again. */
async function main(): Promise<void> {
  const loadavgStart = loadavg()
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-bench-'))
  const progress = new Progress(ONLY_RESOURCES ? RESOURCE_PHASES : PHASES)
  progress.start()
  const influxd = await startInfluxd(join(dir, 'influxdb'))
  try {
    if (ONLY_RESOURCES) {
      const resources = await runResources(influxd.url, dir, progress, 1)
      progress.stop()
      const { md, path } = writeResourcesReport(join(ROOT, 'bench', 'results'), loadavgStart, resources)
      writeFileSync(join(ROOT, 'bench', 'results', 'resources-latest.md'), md)
      process.stdout.write(`${md}\nWritten: ${path}\n`)
      return
    }
    progress.step(1, 'Limit 1: line protocol straight into InfluxDB')
    const limit1 = await influxLimit(influxd.url)
    progress.step(2, 'Limit 2: bare aedes, closed loop')
    const limit2 = await baseline(dir)

    progress.step(3, 'Ours: the gateway, offered-rate sweep')
    const hook = await webhookReceiver()
    const gw = await startBenchGateway(join(dir, 'ours'), influxd.url, hook.url, CABINETS)
    const target = { mqttUrl: gw.mqttUrl, creds: gw.creds, influxUrl: influxd.url, db: 'ours' }
    const ours = await sweep({ name: 'Ours', ...target }, dir, progress)
    progress.step(4, 'Ours: door opened → webhook at half the sustained stored rate')
    const door = await doorUnderLoad(gw, hook, dir, Math.round(ours.sustained_stored_per_s / 2))
    await gw.stop()
    hook.close()

    progress.step(5, 'Peer: Mosquitto + Node-RED, offered-rate sweep')
    const mosquitto = await startMosquitto(join(dir, 'mosquitto'))
    const red = await startNodeRed(join(dir, 'node-red'), mosquitto.url, influxd.url, 'peer')
    const anonymous = Array.from({ length: CABINETS }, (_, i) => ({ id: benchId(i), secret: 'x' }))
    const peer = await sweep(
      { name: 'Peer', mqttUrl: mosquitto.url, creds: anonymous, influxUrl: influxd.url, db: 'peer' },
      dir,
      progress,
    )
    await red.stop()
    await mosquitto.stop()

    const resources = await runResources(influxd.url, dir, progress, 6)
    progress.stop()

    const { md, path } = writeReport(join(ROOT, 'bench', 'results'), {
      loadavgStart,
      limit1,
      limit2,
      ours,
      peer,
      door,
      resources,
    })
    writeFileSync(join(ROOT, 'bench', 'results', 'latest.md'), md)
    process.stdout.write(`${md}\nWritten: ${path}\n`)
    if (!QUICK) await exitOf(spawnTs('bench/nearest.ts', [], { stdio: 'inherit' }))
  } finally {
    progress.stop()
    await influxd.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--help') || process.argv.includes('-h')) process.stdout.write(HELP)
else if (process.argv.includes('--cluster')) await clusterBench()
else if (process.argv.includes('--pg-sweep')) await pgSweepBench()
else if (ONLY === 'door') await doorAlone()
else if (ONLY === 'backfill' || ONLY === 'idle' || ONLY === 'closed') await phaseAlone(ONLY)
else if (ONLY !== null && ONLY !== 'resources')
  process.stdout.write(`--only takes: door, resources, backfill, idle, closed\n${HELP}`)
else await main()
