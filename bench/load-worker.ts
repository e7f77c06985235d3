import { readFileSync } from 'node:fs'
import hdr from 'hdr-histogram-js'
import mqtt, { type MqttClient } from 'mqtt'
import { cabinetTopic } from '../gateway/protocol/topics.ts'

/**
 * One load process: opens its share of cabinet connections and, for `seconds`, either keeps
 * `window` QoS 1 heartbeats in flight on each (closed loop: as fast as the broker acknowledges)
 * or, with `rate:N`, publishes N heartbeats a second spread over its connections (open loop).
 * Records publish-to-PUBACK latency; prints one JSON line.
 * argv: url, credentials file (JSON [{id, secret}]), seconds, window | rate:N, source address or "".
 */
const [url, credFile, secondsArg, modeArg, source] = process.argv.slice(2)
const creds = JSON.parse(readFileSync(credFile as string, 'utf8')) as Array<{ id: string; secret: string }>
const seconds = Number(secondsArg)
const rate = modeArg?.startsWith('rate:') ? Number(modeArg.slice(5)) : null
const window = rate === null ? Number(modeArg) : 0
const hist = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 60_000_000,
  numberOfSignificantValueDigits: 3,
})

let acked = 0
let errors = 0
let running = true
const base = Date.UTC(2026, 0, 1)

function payload(seq: number): string {
  return `{"ts":${base + seq * 1000},"seq":${seq},"battery_pct":87,"pad_expiry":"2027-05-01","door":"closed","aed_present":true,"temp_c":31.5,"self_test":"pass","power":"mains"}`
}

/** Open loop: every 10 ms, rate/100 publishes round-robin over the connections. */
function driveAtRate(clients: MqttClient[], ids: string[], perSecond: number): NodeJS.Timeout {
  const seqs = ids.map(() => 0)
  const topics = ids.map((id) => cabinetTopic(id, 'heartbeat'))
  let next = 0
  let owed = 0
  return setInterval(() => {
    owed += perSecond / 100
    for (; owed >= 1; owed--) {
      const i = next++ % clients.length
      const s = (seqs[i] as number) + 1
      seqs[i] = s
      const t0 = process.hrtime.bigint()
      ;(clients[i] as MqttClient).publish(topics[i] as string, payload(s), { qos: 1 }, (err) => {
        if (err) errors++
        else {
          acked++
          hist.recordValue(Number((process.hrtime.bigint() - t0) / 1000n))
        }
      })
    }
  }, 10)
}

function drive(c: MqttClient, id: string): void {
  const topic = cabinetTopic(id, 'heartbeat')
  let seq = 0
  const one = () => {
    if (!running) return
    const s = seq++
    const t0 = process.hrtime.bigint()
    c.publish(topic, payload(s), { qos: 1 }, (err) => {
      if (err) errors++
      else {
        acked++
        hist.recordValue(Number((process.hrtime.bigint() - t0) / 1000n))
      }
      one()
    })
  }
  for (let i = 0; i < window; i++) one()
}

const clients = await Promise.all(
  creds.map(
    (cr) =>
      new Promise<MqttClient>((resolve, reject) => {
        const c = mqtt.connect(
          url as string,
          {
            clientId: cr.id,
            username: cr.id,
            password: cr.secret,
            protocolVersion: 4,
            reconnectPeriod: 0,
            ...(source ? { localAddress: source } : {}),
          } as mqtt.IClientOptions,
        )
        c.once('connect', () => resolve(c))
        c.once('error', reject)
      }),
  ),
)
process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
const started = performance.now()
const ticker =
  rate === null
    ? null
    : driveAtRate(
        clients,
        creds.map((c) => c.id),
        rate,
      )
if (rate === null) for (const [i, c] of clients.entries()) drive(c, (creds[i] as { id: string }).id)
await new Promise((r) => setTimeout(r, seconds * 1000))
running = false
if (ticker) clearInterval(ticker)
const elapsed = (performance.now() - started) / 1000
await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)))
process.stdout.write(
  `${JSON.stringify({
    acked,
    errors,
    seconds: elapsed,
    p50_us: hist.getValueAtPercentile(50),
    p99_us: hist.getValueAtPercentile(99),
    max_us: hist.maxValue,
  })}\n`,
)
process.exit(0)
