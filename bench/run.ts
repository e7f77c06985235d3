import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInfluxd } from '../scripts/lib/influxd.ts'
import { exitOf, ROOT, spawnTs } from '../scripts/lib/processes.ts'
import { baseline } from './jobs/baseline.ts'
import { clusterBench } from './jobs/cluster.ts'
import { doorUnderLoad, webhookReceiver } from './jobs/door-to-webhook.ts'
import { startBenchGateway } from './jobs/gateway.ts'
import { influxLimit } from './jobs/influx-limit.ts'
import { idleMemory } from './jobs/memory.ts'
import { startMosquitto, startNodeRed } from './jobs/peer.ts'
import { sweep } from './jobs/sweep.ts'
import { Progress } from './progress.ts'
import { writeReport } from './report.ts'
import { benchId, CABINETS, IDLE, QUICK } from './settings.ts'

const HELP = `npm run bench [-- --quick]: in one run on this machine, with the same load generator and
heartbeats: Limit 1 (line protocol straight into InfluxDB), Limit 2 (bare aedes), and an open-loop
offered-rate sweep of the gateway (Ours) and of Mosquitto 2 + Node-RED 4 (Peer): acknowledged/s,
stored/s, acknowledged but never stored, publish→PUBACK and publish→stored p50/p99; door-open →
webhook at half the gateway's sustained rate; memory per idle connection, gateway and Mosquitto.
Writes bench/results/{date}-{commit}.json, .md and SVG charts. --quick takes about 3 minutes,
the full run about 20. Installs Debian's mosquitto (as root) and bench/peer/ (npm ci) when missing.
Env: BENCH_CABINETS, BENCH_LOADERS, BENCH_WINDOW, BENCH_SECONDS, BENCH_STEP_SECONDS, BENCH_RATES,
BENCH_DRAIN, BENCH_IDLE, BENCH_PROBES (see bench/settings.ts). The full run then runs
bench/nearest.ts (the nearest-AED index).
npm run bench -- --cluster: only cluster mode (bench/jobs/cluster.ts): acknowledged and stored
rate with one worker and with two, idle connections over three RabbitMQ nodes and memory per
connection; appends to bench/results/cluster/cluster-bench.jsonl.
`

const PHASES = 7

/** `npm run bench`, phase by phase, every system it measures started here and stopped again. */
async function main(): Promise<void> {
  const loadavgStart = loadavg()
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-bench-'))
  const progress = new Progress(PHASES)
  progress.start()
  const influxd = await startInfluxd(join(dir, 'influxdb'))
  try {
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

    const most = Math.max(...IDLE)
    progress.step(6, `Ours: memory per idle connection (registering ${most} cabinets)`)
    const idleHook = await webhookReceiver()
    const idleGw = await startBenchGateway(join(dir, 'idle'), influxd.url, idleHook.url, most, 'idle')
    const gatewayMemory = await idleMemory('Ours', idleGw.pid, idleGw.mqttUrl, idleGw.creds, dir, progress)
    await idleGw.stop()
    idleHook.close()
    progress.step(7, 'Mosquitto: memory per idle connection')
    const idleMosquitto = await startMosquitto(join(dir, 'mosquitto-idle'))
    const many = Array.from({ length: most }, (_, i) => ({ id: benchId(i), secret: 'x' }))
    const mosquittoMemory = await idleMemory(
      'Mosquitto',
      idleMosquitto.process.pid ?? -1,
      idleMosquitto.url,
      many,
      dir,
      progress,
    )
    await idleMosquitto.stop()
    progress.stop()

    const { md, path } = writeReport(join(ROOT, 'bench', 'results'), {
      loadavgStart,
      limit1,
      limit2,
      ours,
      peer,
      door,
      memory: { gateway: gatewayMemory, mosquitto: mosquittoMemory },
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
else await main()
