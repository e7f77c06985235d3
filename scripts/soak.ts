import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MqttClient } from 'mqtt'
import { cabinetTopic } from '../gateway/protocol/topics.ts'
import { spawnGateway, waitReady } from '../test/helpers/child-gateway.ts'
import { ADMIN_TOKEN, connectCabinet, heartbeat, registrationFor } from '../test/helpers/gateway.ts'
import { startTempInfluxd } from './lib/influxd.ts'

/**
 * Soak: a child gateway under steady load and connection churn for a while, sampled for leaks.
 * Memory, file descriptors and connected-cabinet counts must come back to their baseline once the
 * load stops. `npm run test:reliability` runs it for an hour through test/reliability/soak.test.ts;
 * alone: `npx tsx scripts/soak.ts --minutes 60 [--out soak.json]` (starts its own InfluxDB; --out
 * keeps every sample).
 */
export interface SoakSample {
  t_s: number
  rss_mb: number
  heap_mb: number
  fds: number
  connected: number
}

export interface SoakResult {
  duration_s: number
  acked: number
  /** publishes the gateway answered with an error or never acknowledged before the client ended */
  refused: number
  /** churning CONNECTs that failed (refused by the gateway or timed out) */
  connects_failed: number
  connections_churned: number
  /** publishes still unanswered when their client ended (the vanishing churners' last ones) */
  unanswered: number
  baseline: SoakSample
  peak: SoakSample
  end: SoakSample
  samples: SoakSample[]
}

const STEADY = 10
/**
 * Churning cabinets, each reconnecting about every 20 s: well inside the per-cabinet connect rate
 * (config `mqtt.connect_rate`), so what is measured is the gateway's cleanup, not its refusals.
 */
const CHURNING = 120
const SAMPLE_TIMEOUT_MS = 10_000
const END_WAIT_MS = 5_000

/** Ends a client politely, waiting a bounded time for its in-flight publishes, then forcibly. */
async function endClient(c: MqttClient): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const polite = c.endAsync().catch(() => undefined)
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), END_WAIT_MS)
  })
  if ((await Promise.race([polite, late])) === 'late') c.end(true)
  clearTimeout(timer)
}

async function sample(pid: number, httpUrl: string, t0: number): Promise<SoakSample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  const fds = readdirSync(`/proc/${pid}/fd`).length
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const res = await fetch(`${httpUrl}/metrics`, {
    headers: auth,
    signal: AbortSignal.timeout(SAMPLE_TIMEOUT_MS),
  })
  const text = await res.text()
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN)
  return {
    t_s: Math.round((Date.now() - t0) / 1000),
    rss_mb: Math.round(rssKb / 102.4) / 10,
    heap_mb: Math.round(read('aedgw_nodejs_heap_size_used_bytes') / 104857.6) / 10,
    fds,
    connected: read('aedgw_connected_cabinets'),
  }
}

export async function runSoak(opts: {
  durationMs: number
  influxUrl: string
  /** called with every sample as it is taken (progress) */
  onSample?: (s: SoakSample) => void
}): Promise<SoakResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aedgw-soak-'))
  const gw = await spawnGateway({
    AEDGW_DATA_DIR: dataDir,
    AEDGW_INFLUX_URL: opts.influxUrl,
    AEDGW_INFLUX_DB: `soak_${process.pid}`,
    AEDGW_ADMIN_TOKEN: ADMIN_TOKEN,
    AEDGW_LOG_LEVEL: 'warn',
  })
  const pid = gw.process.pid as number
  const clients: MqttClient[] = []
  try {
    await waitReady(gw)
    const ids = Array.from({ length: STEADY + CHURNING }, (_, i) => `SOAK-${String(i).padStart(4, '0')}`)
    const secrets = new Map<string, string>()
    for (const id of ids) {
      const res = await fetch(`${gw.httpUrl}/api/v1/cabinets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(registrationFor(id)),
      })
      secrets.set(id, ((await res.json()) as { secret: string }).secret)
    }
    await new Promise((r) => setTimeout(r, 1000))
    const t0 = Date.now()
    const baseline = await sample(pid, gw.httpUrl, t0)
    const samples = [baseline]
    let acked = 0
    let refused = 0
    let connectsFailed = 0
    let churned = 0
    let inFlight = 0
    const seqs = new Map(ids.map((id) => [id, 0]))
    const publish = (c: MqttClient, id: string) => {
      const seq = (seqs.get(id) ?? 0) + 1
      seqs.set(id, seq)
      inFlight++
      c.publish(cabinetTopic(id, 'heartbeat'), heartbeat(seq % 400_000), { qos: 1 }, (err) => {
        inFlight--
        if (err) refused++
        else acked++
      })
    }

    for (const id of ids.slice(0, STEADY))
      clients.push(await connectCabinet(gw.mqttUrl, id, secrets.get(id) as string))
    const steady = setInterval(() => {
      clients.forEach((c, i) => {
        if (c.connected) publish(c, ids[i] as string)
      })
    }, 500)
    let running = true
    const churn = async (worker: number) => {
      let k = worker
      while (running) {
        const id = ids[STEADY + (k++ % CHURNING)] as string
        try {
          const c = await connectCabinet(gw.mqttUrl, id, secrets.get(id) as string)
          for (let i = 0; i < 3; i++) publish(c, id)
          await new Promise((r) => setTimeout(r, 50))
          // half leave politely, half vanish (no DISCONNECT: the broker must notice and clean up)
          if (k % 2 === 0) await endClient(c)
          else c.stream.destroy()
          churned++
        } catch {
          connectsFailed++
        }
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    const churners = [churn(0), churn(5)]
    const every = Math.max(1000, Math.floor(opts.durationMs / 60))
    while (Date.now() - t0 < opts.durationMs) {
      await new Promise((r) => setTimeout(r, every))
      const s = await sample(pid, gw.httpUrl, t0)
      samples.push(s)
      opts.onSample?.(s)
    }
    running = false
    clearInterval(steady)
    await Promise.all(churners)
    await Promise.all(clients.map(endClient))
    clients.length = 0
    // let the broker notice every vanished socket and the writer drain
    let end = await sample(pid, gw.httpUrl, t0)
    for (let i = 0; i < 30 && (end.connected !== baseline.connected || end.fds > baseline.fds + 5); i++) {
      await new Promise((r) => setTimeout(r, 1000))
      end = await sample(pid, gw.httpUrl, t0)
    }
    samples.push(end)
    const peak = samples.reduce((p, s) => (s.rss_mb > p.rss_mb ? s : p), baseline)
    return {
      duration_s: Math.round(opts.durationMs / 1000),
      acked,
      refused,
      connects_failed: connectsFailed,
      connections_churned: churned,
      unanswered: inFlight,
      baseline,
      peak,
      end,
      samples,
    }
  } finally {
    for (const c of clients) c.end(true)
    gw.process.kill('SIGTERM')
    await gw.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name)
    return i > 0 ? process.argv[i + 1] : undefined
  }
  const minutes = Number(arg('--minutes') ?? 60)
  const out = arg('--out')
  const influxd = await startTempInfluxd('aedgw-soak-influxd-')
  try {
    const r = await runSoak({
      durationMs: minutes * 60_000,
      influxUrl: influxd.url,
      onSample: (s) =>
        process.stderr.write(
          `${s.t_s} s: rss ${s.rss_mb} MiB, heap ${s.heap_mb} MiB, fds ${s.fds}, connected ${s.connected}\n`,
        ),
    })
    if (out) writeFileSync(out, `${JSON.stringify(r, null, 2)}\n`)
    const { samples, ...summary } = r
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
  } finally {
    await influxd.stop()
  }
}
