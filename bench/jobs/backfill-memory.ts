import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Simulator } from '../../firmware-sim/simulator.ts'
import { rssBytes } from '../../scripts/cluster/common.ts'
import { freePort, spawnGateway, stopChild, waitHttp } from '../../scripts/lib/processes.ts'
import type { Progress } from '../progress.ts'
import { ADMIN, BACKFILL_DAYS, QUICK } from '../settings.ts'
import { maxInFlight, rssAfterGc, withGcHook } from './gateway.ts'

export interface BackfillMemory {
  cabinets: number
  backfill_days: number
  /** The demo's 14 days, or fewer in a --quick run (said here and in the summary). */
  note: string
  messages: number
  backfill_seconds: number
  /** Seconds from the last acknowledgement until the outbox was empty. */
  drain_seconds: number
  rss_before_mib: number
  /** VmRSS once the outbox is empty and the gateway has settled. */
  rss_after_mib: number
  /** VmRSS 30 s after the outbox was empty, the cabinets live (once V8 or the gateway could reduce its heap). */
  rss_after_30s_mib: number
  /**
   * Seconds from the outbox emptying until the backfill's last work was done: the late-history
   * recompute of every cabinet it marked (feeds.late_history, 10 cabinets per 5 s tick by
   * default) and the heap given back after it. null when not waited for (--quick).
   */
  history_seconds: number | null
  /** VmRSS SETTLE_MS after that: the gateway once the backfill is behind it (the goal's reading). */
  rss_settled_mib: number | null
  /** VmRSS right after the last reading, once the main isolate collected all it could (bench/gc-hook.mjs). */
  rss_after_gc_mib: number
  /** VmHWM: the highest resident size the gateway reached during the run. */
  rss_peak_mib: number
  /** The main isolate's V8 heap when RSS was read: live (used) and committed (total), and the
   * memory outside it that V8 knows of (Buffers): what the resident size is made of. */
  heap_used_mib: number
  heap_total_mib: number
  external_mib: number
}

const DAYS = BACKFILL_DAYS
const CABINETS = 300
/** The demo's backfill cadence (scripts/demo.ts): one heartbeat every 30 minutes of history. */
const INTERVAL_S = 1800
const SETTLE_MS = 5000
const LATER_MS = 30_000
/** The longest wait for the late-history recompute: 300 cabinets take about 3 minutes. */
const HISTORY_TIMEOUT_MS = 600_000
const mib = (b: number) => Number((b / 2 ** 20).toFixed(1))

async function vmHwm(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))
  return m ? Number(m[1]) * 1024 : Number.NaN
}

function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)
  return m ? Number(m[1]) : Number.NaN
}

/**
 * The demo's situation (scripts/demo.ts), measured: the gateway as `npm start` runs it with the
 * default configuration, 300 simulated Bangkok cabinets that publish 14 days of history (the
 * firmware simulator's backfill, every 30 minutes of device time) and then go live; once every
 * message is acknowledged and the outbox is empty, the gateway's VmRSS: then, 30 s later, and
 * (not in a --quick run) once the late-history recompute the backfill set off is over.
 */
export async function backfillMemory(
  influxUrl: string,
  dir: string,
  progress: Progress,
  waitForHistory = !QUICK,
): Promise<BackfillMemory> {
  const [mqttPort, httpPort] = [await freePort(), await freePort()]
  mkdirSync(dir, { recursive: true })
  const cfg = join(dir, 'bench.yaml')
  writeFileSync(cfg, `log_level: warn\n${maxInFlight() ? `mqtt:\n${maxInFlight()}` : ''}`)
  const child = await spawnGateway({
    env: {
      ...process.env,
      AEDGW_CONFIG: cfg,
      AEDGW_DATA_DIR: join(dir, 'gw'),
      AEDGW_INFLUX_URL: influxUrl,
      AEDGW_INFLUX_DB: 'backfill',
      AEDGW_ADMIN_TOKEN: ADMIN,
      AEDGW_MQTT_PORT: String(mqttPort),
      AEDGW_HTTP_PORT: String(httpPort),
      AEDGW_BIND: '127.0.0.1',
      AEDGW_OPS_PORT: '0',
      NODE_OPTIONS: withGcHook(),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const pid = child.pid ?? -1
  const apiUrl = `http://127.0.0.1:${httpPort}`
  const metrics = async () =>
    (await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()
  let sim: Simulator | null = null
  try {
    await waitHttp(`${apiUrl}/readyz`, { child, timeoutMs: 120_000 })
    await new Promise((r) => setTimeout(r, SETTLE_MS))
    const before = (await rssBytes(pid)) ?? Number.NaN
    sim = new Simulator({
      cabinets: CABINETS,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      apiUrl,
      adminToken: ADMIN,
      seed: 2026,
      scenario: 'default',
      secretsFile: join(dir, 'cabinet-secrets.json'),
    })
    progress.note(`registering and connecting ${CABINETS} cabinets`)
    await sim.setup(DAYS)
    const r = await sim.backfill(INTERVAL_S, (acked, total) =>
      progress.note(`backfill of ${DAYS} days: ${acked} of ${total} acknowledged`),
    )
    sim.startLive(null)
    const acked = performance.now()
    let depth = Number.NaN
    for (;;) {
      depth = gauge(await metrics(), 'aedgw_outbox_depth')
      progress.note(`backfill acknowledged; outbox ${depth} rows`)
      if (depth === 0 || performance.now() - acked > 600_000) break
      await new Promise((r) => setTimeout(r, 500))
    }
    const drainSeconds = (performance.now() - acked) / 1000
    await new Promise((r) => setTimeout(r, SETTLE_MS))
    const after = (await rssBytes(pid)) ?? Number.NaN
    const m = await metrics()
    await new Promise((r) => setTimeout(r, LATER_MS - SETTLE_MS))
    const later = (await rssBytes(pid)) ?? Number.NaN
    let historySeconds: number | null = null
    let settled: number | null = null
    if (waitForHistory) {
      for (;;) {
        const mm = await metrics()
        const marked = gauge(mm, 'aedgw_late_history_pending_cabinets')
        const releasing = gauge(mm, 'aedgw_heap_release_pending')
        progress.note(`late-history recompute: ${marked} cabinets to go`)
        if ((marked === 0 && releasing === 0) || performance.now() - acked > HISTORY_TIMEOUT_MS) break
        await new Promise((r) => setTimeout(r, 1000))
      }
      historySeconds = (performance.now() - acked) / 1000 - drainSeconds
      await new Promise((r) => setTimeout(r, SETTLE_MS))
      settled = (await rssBytes(pid)) ?? Number.NaN
    }
    const afterGc = await rssAfterGc(pid)
    return {
      cabinets: CABINETS,
      backfill_days: DAYS,
      note:
        (DAYS === 14
          ? 'the demo’s 14 days of history'
          : `${DAYS} days of history, not the demo’s 14 (--quick)`) +
        (r.complete ? '' : '; the backfill was not fully acknowledged within 10 minutes') +
        (depth === 0 ? '' : `; the outbox still held ${depth} rows`),
      messages: r.messages,
      backfill_seconds: Number(r.seconds.toFixed(1)),
      drain_seconds: Number(drainSeconds.toFixed(1)),
      rss_before_mib: mib(before),
      rss_after_mib: mib(after),
      rss_after_30s_mib: mib(later),
      history_seconds: historySeconds === null ? null : Number(historySeconds.toFixed(1)),
      rss_settled_mib: settled === null ? null : mib(settled),
      rss_after_gc_mib: mib(afterGc),
      rss_peak_mib: mib(await vmHwm(pid)),
      heap_used_mib: mib(gauge(m, 'aedgw_nodejs_heap_size_used_bytes')),
      heap_total_mib: mib(gauge(m, 'aedgw_nodejs_heap_size_total_bytes')),
      external_mib: mib(gauge(m, 'aedgw_nodejs_external_memory_bytes')),
    }
  } finally {
    await sim?.stop(2_000).catch(() => undefined)
    await stopChild(child)
  }
}
