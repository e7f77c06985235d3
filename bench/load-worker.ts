import { readFileSync, writeFileSync } from 'node:fs'
import hdr from 'hdr-histogram-js'
import mqtt, { type MqttClient } from 'mqtt'
import { cabinetTopic } from '../gateway/protocol/topics.ts'

/**
 * One load process. Opens its share of cabinet connections (at most CONNECTING at once, from
 * `source` when given), then for `seconds`:
 * - `window` (a number): keeps that many QoS 1 heartbeats in flight per cabinet (closed loop);
 * - `rate:N`: publishes N heartbeats a second round-robin over its connections, whatever the
 *   broker answers (open loop);
 * - `idle`: publishes nothing and holds the connections until SIGTERM.
 * Heartbeat `seq` counts per cabinet and `ts` = tsBase + seq s, so (cabinet, seq) names one point.
 * Prints `{ready}`, then one JSON line: counts, the publish→PUBACK histogram (HDR, µs, compressed
 * base64), published per 100 ms since `started_ms`; the acknowledged seqs per cabinet go to `out`.
 * argv: url, credentials file (JSON [{id, secret}]), seconds, mode, source address or "",
 * out file or "", tsBase (epoch ms).
 */
const [url, credFile, secondsArg, modeArg = '8', source, out, tsBaseArg] = process.argv.slice(2)
const creds = JSON.parse(readFileSync(credFile as string, 'utf8')) as Array<{ id: string; secret: string }>
const seconds = Number(secondsArg)
const tsBase = Number(tsBaseArg || Date.UTC(2026, 0, 1))
const CONNECTING = 200
/** After the load, how long PUBACKs still outstanding are waited for. */
const GRACE_MS = 5000
const hist = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 600_000_000,
  numberOfSignificantValueDigits: 3,
})

let acked = 0
let errors = 0
let published = 0
let outstanding = 0
let running = true
const timeline: number[] = []
const ackedSeqs: number[][] = creds.map(() => [])
let started = 0

function payload(seq: number): string {
  return `{"ts":${tsBase + seq * 1000},"seq":${seq},"battery_pct":87,"pad_expiry":"2027-05-01","door":"closed","aed_present":true,"temp_c":31.5,"self_test":"pass","power":"mains"}`
}

function publishOne(c: MqttClient, i: number, topic: string, seq: number, then?: () => void): void {
  const t0 = process.hrtime.bigint()
  published++
  outstanding++
  const bin = Math.floor((performance.now() - started) / 100)
  timeline[bin] = (timeline[bin] ?? 0) + 1
  c.publish(topic, payload(seq), { qos: 1 }, (err) => {
    outstanding--
    if (err) errors++
    else {
      acked++
      ;(ackedSeqs[i] as number[]).push(seq)
      hist.recordValue(Number((process.hrtime.bigint() - t0) / 1000n))
    }
    then?.()
  })
}

/** Open loop: every 10 ms, what is owed at `perSecond` so far, round-robin over the connections. */
function driveAtRate(clients: MqttClient[], topics: string[], perSecond: number): NodeJS.Timeout {
  const seqs = clients.map(() => 0)
  let next = 0
  let sent = 0
  return setInterval(() => {
    const owed = Math.floor(((performance.now() - started) / 1000) * perSecond) - sent
    for (let k = 0; k < owed; k++, sent++) {
      const i = next++ % clients.length
      const s = (seqs[i] as number) + 1
      seqs[i] = s
      publishOne(clients[i] as MqttClient, i, topics[i] as string, s)
    }
  }, 10)
}

function driveWindow(c: MqttClient, i: number, topic: string, window: number): void {
  let seq = 0
  const one = () => {
    if (running) publishOne(c, i, topic, ++seq, one)
  }
  for (let k = 0; k < window; k++) one()
}

function connect(cr: { id: string; secret: string }): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(
      url as string,
      {
        clientId: cr.id,
        username: cr.id,
        password: cr.secret,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 60_000,
        ...(source ? { localAddress: source } : {}),
      } as mqtt.IClientOptions,
    )
    c.once('connect', () => resolve(c))
    c.once('error', reject)
  })
}

const clients: MqttClient[] = []
for (let k = 0; k < creds.length; k += CONNECTING)
  clients.push(...(await Promise.all(creds.slice(k, k + CONNECTING).map(connect))))
process.stdout.write(`${JSON.stringify({ ready: true, connected: clients.length })}\n`)

if (modeArg === 'idle') {
  await new Promise((r) => process.once('SIGTERM', r))
  process.exit(0)
}
const topics = creds.map((c) => cabinetTopic(c.id, 'heartbeat'))
const startedMs = Date.now()
started = performance.now()
const rate = modeArg.startsWith('rate:') ? Number(modeArg.slice(5)) : null
const ticker = rate === null ? null : driveAtRate(clients, topics, rate)
if (rate === null)
  for (const [i, c] of clients.entries()) driveWindow(c, i, topics[i] as string, Number(modeArg))
await new Promise((r) => setTimeout(r, seconds * 1000))
running = false
if (ticker) clearInterval(ticker)
const loadSeconds = (performance.now() - started) / 1000
const graceUntil = performance.now() + GRACE_MS
while (outstanding > 0 && performance.now() < graceUntil) await new Promise((r) => setTimeout(r, 50))
if (out) writeFileSync(out, JSON.stringify({ ids: creds.map((c) => c.id), acked: ackedSeqs }))
process.stdout.write(
  `${JSON.stringify({
    acked,
    errors,
    published,
    unanswered: outstanding,
    seconds: loadSeconds,
    started_ms: startedMs,
    timeline: Array.from(timeline, (n) => n ?? 0),
    hist: hdr.encodeIntoCompressedBase64(hist),
  })}\n`,
)
await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)))
process.exit(0)
