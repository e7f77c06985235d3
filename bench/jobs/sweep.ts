import hdr from 'hdr-histogram-js'
import type { Progress } from '../progress.ts'
import { type Cred, DRAIN, RATES, STEP_SECONDS } from '../settings.ts'
import { type LoadResult, runLoad } from './load.ts'
import { countStored, lostOf, storedSeqs } from './stored.ts'

/** A broker and the pipeline behind it that ends in an InfluxDB database. */
export interface Target {
  name: string
  mqttUrl: string
  creds: Cred[]
  influxUrl: string
  db: string
}

export interface SweepStep {
  offered_per_s: number
  published_per_s: number
  acked_per_s: number
  stored_per_s: number
  published: number
  acked: number
  stored: number
  /** Acknowledged (cabinet, seq) not in InfluxDB after this step's drain wait. */
  acked_missing_after_drain: number
  /** Acknowledged (cabinet, seq) still not in InfluxDB at the end of the whole sweep. */
  acked_not_stored: number
  errors: number
  unanswered: number
  puback_p50_ms: number
  puback_p99_ms: number
  stored_p50_ms: number
  stored_p99_ms: number
}

const POLL_MS = 250
const DAY = 86_400_000
const FIRST_DAY = Date.UTC(2026, 0, 1)
/** The longest the sweep waits, at its end, for a backlog to be written. */
const FINAL_MS = 120_000
const ms = (us: number) => Number((us / 1000).toFixed(1))

/**
 * Publish→stored latency from the two count curves: the k-th heartbeat published (in time order,
 * all processes) is taken to be the k-th stored, first in first out; resolution POLL_MS.
 */
function storedLatency(load: LoadResult, samples: Array<[number, number]>) {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  })
  const cum: number[] = []
  load.timeline.reduce((n, x, i) => (cum[i] = n + x), 0)
  let bin = 0
  let prev = 0
  for (const [at, count] of samples) {
    if (count <= prev) continue
    const stride = Math.max(1, Math.floor((count - prev) / 50))
    for (let k = prev + 1; k <= count; k += stride) {
      while (bin < cum.length - 1 && (cum[bin] as number) < k) bin++
      const publishedAt = load.startedMs + (bin + 1) * 100
      h.recordValueWithCount(Math.max(1, at - publishedAt), Math.min(stride, count - k + 1))
    }
    prev = count
  }
  return { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) }
}

/** One offered rate: the open-loop load, the drain wait, then the exact acknowledged-but-lost count. */
async function step(
  t: Target,
  dir: string,
  rate: number,
  k: number,
  progress: Progress,
): Promise<{ step: SweepStep; acked: Map<string, number[]> }> {
  const from = FIRST_DAY + k * DAY
  const samples: Array<[number, number]> = []
  let loading = true
  const poll = async () => {
    while (loading) {
      samples.push([Date.now(), await countStored(t.influxUrl, t.db, from, from + DAY)])
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  }
  const polling = poll()
  const load = await runLoad(t.mqttUrl, t.creds, dir, {
    mode: `rate:${rate}`,
    seconds: STEP_SECONDS,
    tsBase: from,
    keepAcked: true,
  })
  // the drain: until everything published is stored, nothing new arrived for 3 s, or DRAIN s
  // (the count includes heartbeats stored but never acknowledged, so it is not compared with acked)
  const loadEnded = Date.now()
  const drainUntil = loadEnded + DRAIN * 1000
  for (;;) {
    const last = samples.at(-1)?.[1] ?? 0
    const lastChange = Math.max(loadEnded, samples.find(([, n]) => n === last)?.[0] ?? 0)
    progress.note(`${t.name} at ${rate}/s: ${load.acked} acknowledged, ${last} stored`)
    if (last >= load.published || Date.now() - lastChange > 3000 || Date.now() > drainUntil) break
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  loading = false
  await polling
  const stored = samples.at(-1)?.[1] ?? 0
  // stored/s over the time points were arriving: from the poll before the first to the last
  // (a pipeline keeping up is not charged its latency; one falling behind is charged its backlog)
  const storedDone = samples.find(([, n]) => n === stored)?.[0] ?? Date.now()
  const storedFrom = (samples.find(([, n]) => n > 0)?.[0] ?? storedDone) - POLL_MS
  const lost = lostOf(load.ackedSeqs, await storedSeqs(t.influxUrl, t.db, from, from + DAY))
  const lat = storedLatency(load, samples)
  const figures: SweepStep = {
    offered_per_s: rate,
    published_per_s: Math.round(load.published / load.seconds),
    acked_per_s: Math.round(load.acked / load.seconds),
    stored_per_s: Math.round(stored / Math.max(1, (storedDone - storedFrom) / 1000)),
    published: load.published,
    acked: load.acked,
    stored,
    acked_missing_after_drain: lost,
    acked_not_stored: lost,
    errors: load.errors,
    unanswered: load.unanswered,
    puback_p50_ms: ms(load.p50_us),
    puback_p99_ms: ms(load.p99_us),
    stored_p50_ms: lat.p50,
    stored_p99_ms: lat.p99,
  }
  return { step: figures, acked: load.ackedSeqs }
}

export interface Sweep {
  steps: SweepStep[]
  /** The highest stored rate of a step with nothing acknowledged lost, and its offered rate. */
  sustained_stored_per_s: number
  sustained_offered_per_s: number
}

/** The open-loop sweep over RATES, lowest first; each step in its own day of device time. */
export async function sweep(t: Target, dir: string, progress: Progress): Promise<Sweep> {
  const steps: SweepStep[] = []
  const acked: Array<Map<string, number[]>> = []
  for (const [k, rate] of RATES.entries()) {
    progress.note(`${t.name} at ${rate}/s offered`)
    const s = await step(t, dir, rate, k, progress)
    steps.push(s.step)
    acked.push(s.acked)
  }
  // a backlog still draining is not a loss: once nothing has arrived for 3 s (at most FINAL_MS),
  // every step is checked again
  const until = Date.now() + FINAL_MS
  let total = await countStored(t.influxUrl, t.db, FIRST_DAY, FIRST_DAY + RATES.length * DAY)
  for (let still = 0; still < 3000 && Date.now() < until; ) {
    progress.note(`${t.name}: final check, ${total} stored`)
    await new Promise((r) => setTimeout(r, 500))
    const now = await countStored(t.influxUrl, t.db, FIRST_DAY, FIRST_DAY + RATES.length * DAY)
    still = now === total ? still + 500 : 0
    total = now
  }
  for (const [k, s] of steps.entries()) {
    if (s.acked_missing_after_drain === 0) continue
    const from = FIRST_DAY + k * DAY
    s.acked_not_stored = lostOf(
      acked[k] as Map<string, number[]>,
      await storedSeqs(t.influxUrl, t.db, from, from + DAY),
    )
  }
  const clean = steps.filter((s) => s.acked_not_stored === 0)
  const best = clean.reduce<SweepStep | null>((b, s) => (b && b.stored_per_s >= s.stored_per_s ? b : s), null)
  return {
    steps,
    sustained_stored_per_s: best?.stored_per_s ?? 0,
    sustained_offered_per_s: best?.offered_per_s ?? 0,
  }
}
