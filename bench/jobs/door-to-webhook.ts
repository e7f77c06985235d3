import { createServer } from 'node:http'
import mqtt from 'mqtt'
import { cabinetTopic, encodePayload, type TopicPayload } from '../../gateway/protocol/topics.ts'
import type { Cred } from '../settings.ts'
import type { BenchGateway } from './gateway.ts'
import { type LoadResult, runLoad } from './load.ts'

export interface WebhookReceiver {
  url: string
  /** Cabinet id → when its first firing aed_in_use notification arrived (performance.now()). */
  arrivals: Map<string, number>
  close(): void
}

/** A local webhook receiver: records when each cabinet's first aed_in_use notification arrives. */
export async function webhookReceiver(): Promise<WebhookReceiver> {
  const arrivals = new Map<string, number>()
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => {
      body += d.toString()
    })
    req.on('end', () => {
      const at = performance.now()
      try {
        const n = JSON.parse(body) as { alerts?: Array<{ cabinet_id: string; type: string; status: string }> }
        for (const a of n.alerts ?? []) {
          if (a.type === 'aed_in_use' && a.status === 'firing' && !arrivals.has(a.cabinet_id))
            arrivals.set(a.cabinet_id, at)
        }
      } catch {
        // not a notification
      }
      res.statusCode = 204
      res.end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}/hook`, arrivals, close: () => server.close() }
}

export interface DoorLatency {
  probes: number
  delivered: number
  p50_ms: number
  p99_ms: number
  max_ms: number
}

/** Percentile p of ascending values, one decimal (NaN when there are none). */
function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return Number((sorted[i] ?? Number.NaN).toFixed(1))
}

/** The probe cabinets, connected and reporting ready (door closed, AED inside). */
interface Probes {
  clients: mqtt.MqttClient[]
  ids: string[]
}

async function connectProbes(mqttUrl: string, probes: Cred[]): Promise<Probes> {
  const clients = await Promise.all(
    probes.map((p) =>
      mqtt.connectAsync(mqttUrl, {
        clientId: p.id,
        username: p.id,
        password: p.secret,
        protocolVersion: 4,
        reconnectPeriod: 0,
      }),
    ),
  )
  const ids = probes.map((p) => p.id)
  const ready: TopicPayload<'heartbeat'> = {
    ts: Date.now(),
    seq: 0,
    battery_pct: 90,
    pad_expiry: '2027-05-01',
    door: 'closed',
    aed_present: true,
  }
  await Promise.all(
    clients.map((c, i) =>
      c.publishAsync(cabinetTopic(ids[i] as string, 'heartbeat'), encodePayload('heartbeat', ready), {
        qos: 1,
      }),
    ),
  )
  return { clients, ids }
}

/**
 * Door opened and AED removed → webhook delivered: one probe every 100 ms sends an
 * `aed_removed` event; each latency runs from its publish to its first firing notification.
 */
async function probeDoors({ clients, ids }: Probes, hook: WebhookReceiver): Promise<DoorLatency> {
  const sent = new Map<string, number>()
  for (const [i, c] of clients.entries()) {
    const id = ids[i] as string
    sent.set(id, performance.now())
    c.publish(
      cabinetTopic(id, 'event'),
      encodePayload('event', { ts: Date.now(), seq: 1, type: 'aed_removed' }),
      {
        qos: 1,
      },
    )
    await new Promise((r) => setTimeout(r, 100))
  }
  const deadline = performance.now() + 10_000
  while (hook.arrivals.size < ids.length && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50))
  await Promise.all(clients.map((c) => c.endAsync(true)))
  const latencies = [...sent].flatMap(([id, t0]) => {
    const at = hook.arrivals.get(id)
    return at === undefined ? [] : [at - t0]
  })
  latencies.sort((a, b) => a - b)
  return {
    probes: ids.length,
    delivered: latencies.length,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    max_ms: percentile(latencies, 100),
  }
}

export interface DoorUnderLoad {
  /** Heartbeats a second offered (half the measured maximum). */
  halfRate: number
  half: LoadResult
  door: DoorLatency
  /** The gateway's event-loop delay over this phase. */
  loop: { p99_ms: number; max_ms: number }
  /** Full collections after a backlog (broker/heap-release.ts) during this phase: each one stops the main thread. */
  heap_releases: number
}

/** One unlabelled sample of a Prometheus text (NaN when absent). */
function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN)
}

/** Seconds the load runs before the first door opens: its cabinets' first heartbeats are past. */
const WARM_UP_S = 3

/**
 * The door probes while the gateway carries `halfRate` heartbeats a second (open loop). The probe
 * cabinets come online before the load, as cabinets that have been reporting; the first door
 * opens once the load has run WARM_UP_S. A run starts from a gateway that has not seen the load's
 * cabinets (`--only door`): their first heartbeats open an alert each (their clocks are in the
 * past), a start-up burst, not the steady half load this figure is about.
 */
export async function doorUnderLoad(
  gw: BenchGateway,
  hook: WebhookReceiver,
  dir: string,
  halfRate: number,
): Promise<DoorUnderLoad> {
  // after the sweep's overload the gateway gives back the heap its backlog grew, once, in a full
  // collection (aedgw_heap_release_pending): the door is measured at half load, not in that pause
  const settleUntil = performance.now() + 60_000
  while (metric(await gw.metrics(), 'aedgw_heap_release_pending') === 1 && performance.now() < settleUntil)
    await new Promise((r) => setTimeout(r, 1000))
  const probes = await connectProbes(gw.mqttUrl, gw.probes)
  await new Promise((r) => setTimeout(r, 1000))
  // prom-client resets its event-loop histogram at each scrape: this one drops what came before
  // the phase (the gateway's start-up, the sweep), so the figure below covers this phase alone
  const releasesBefore = metric(await gw.metrics(), 'aedgw_heap_release_pause_seconds_count')
  let publishing: () => void = () => {}
  const started = new Promise<void>((r) => {
    publishing = r
  })
  // the load outlasts the probes (one every 100 ms) by two seconds
  const seconds = WARM_UP_S + Math.ceil(gw.probes.length / 10) + 2
  const [half, door] = await Promise.all([
    runLoad(gw.mqttUrl, gw.creds, dir, {
      mode: `rate:${halfRate}`,
      tsBase: Date.UTC(2026, 2, 1),
      seconds,
      onPublishing: publishing,
    }),
    started
      .then(() => new Promise((r) => setTimeout(r, WARM_UP_S * 1000)))
      .then(() => probeDoors(probes, hook)),
  ])
  // event-loop delay over the half-load phase
  const after = await gw.metrics()
  const lag = (q: string) => metric(after, `aedgw_nodejs_eventloop_lag_${q}_seconds`) * 1000
  return {
    halfRate,
    half,
    door,
    loop: { p99_ms: Number(lag('p99').toFixed(1)), max_ms: Number(lag('max').toFixed(1)) },
    heap_releases: metric(after, 'aedgw_heap_release_pause_seconds_count') - releasesBefore,
  }
}
