import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../scripts/lib/processes.ts'
import type { DoorUnderLoad } from './jobs/door-to-webhook.ts'
import type { InfluxLimit } from './jobs/influx-limit.ts'
import type { LoadResult } from './jobs/load.ts'
import type { Sweep } from './jobs/sweep.ts'
import { memoryChart, type Resources, resourcesMarkdown } from './resources.ts'
import {
  CABINETS,
  DRAIN,
  LOADERS,
  QUICK,
  QUICK_NOTE,
  RATES,
  SECONDS,
  STEP_SECONDS,
  WINDOW,
} from './settings.ts'
import { lineChart } from './svg.ts'

export interface BenchFigures {
  loadavgStart: number[]
  limit1: InfluxLimit
  limit2: LoadResult
  ours: Sweep
  peer: Sweep
  door: DoorUnderLoad
  resources: Resources
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0]?.trim() ?? 'unknown'
}
function pkgVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}
export function commitOf(): string {
  const head = firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])
  // the results this bench writes do not make the code it ran dirty
  const dirty =
    spawnSync('git', ['-C', ROOT, 'diff', '--quiet', 'HEAD', '--', '.', ':!bench/results'], {
      stdio: 'ignore',
    }).status !== 0
  return dirty ? `${head}-dirty` : head
}

const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(3)) : null)

/** The report as JSON: bench/results/{date}-{commit}.json. */
export function reportJson(f: BenchFigures) {
  const limit2Rate = Math.round(f.limit2.acked / f.limit2.seconds)
  return {
    date: new Date().toISOString(),
    commit: commitOf(),
    run: QUICK ? 'quick' : 'full',
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memory_gib: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      loadavg_start: f.loadavgStart.map((x) => Number(x.toFixed(2))),
      loadavg_end: loadavg().map((x) => Number(x.toFixed(2))),
      note: 'load generators, InfluxDB and the systems measured share the machine',
    },
    versions: {
      node: process.version,
      aedes: pkgVersion(join(ROOT, 'node_modules', 'aedes')),
      influxd: firstLine('influxd', ['version']),
      mosquitto: firstLine('mosquitto', ['-h']),
      node_red: pkgVersion(join(ROOT, 'bench', 'peer', 'node_modules', 'node-red')),
      node_red_contrib_influxdb: pkgVersion(
        join(ROOT, 'bench', 'peer', 'node_modules', 'node-red-contrib-influxdb'),
      ),
    },
    settings: {
      cabinets: CABINETS,
      loaders: LOADERS,
      closed_loop_window: WINDOW,
      closed_loop_seconds: SECONDS,
      sweep_rates: RATES,
      step_seconds: STEP_SECONDS,
      drain_max_seconds: DRAIN,
    },
    limit1_influxdb_points_per_s: f.limit1,
    limit2_bare_aedes: {
      acked_per_s: limit2Rate,
      p50_ms: f.limit2.p50_us / 1000,
      p99_ms: f.limit2.p99_us / 1000,
    },
    ours: f.ours,
    peer: f.peer,
    ratios: {
      ours_vs_peer: ratio(f.ours.sustained_stored_per_s, f.peer.sustained_stored_per_s),
      ours_vs_limit2: ratio(f.ours.sustained_stored_per_s, limit2Rate),
      ours_vs_limit1: ratio(f.ours.sustained_stored_per_s, f.limit1.points_per_s),
      peer_vs_limit1: ratio(f.peer.sustained_stored_per_s, f.limit1.points_per_s),
    },
    door_to_webhook: {
      background_offered_per_s: f.door.halfRate,
      background_acked_per_s: Math.round(f.door.half.acked / f.door.half.seconds),
      background_puback_p50_ms: f.door.half.p50_us / 1000,
      background_puback_p99_ms: f.door.half.p99_us / 1000,
      ...f.door.door,
      event_loop_delay_p99_ms: f.door.loop.p99_ms,
      event_loop_delay_max_ms: f.door.loop.max_ms,
      heap_releases_during: f.door.heap_releases,
    },
    idle_memory: f.resources.memory,
    backfill_memory: f.resources.backfill,
    outage_drain: f.resources.outage,
  }
}
export type Report = ReturnType<typeof reportJson>

function sweepTable(s: Sweep): string {
  const rows = s.steps.map(
    (x) =>
      `| ${x.offered_per_s} | ${x.published_per_s} | ${x.acked_per_s} | ${x.stored_per_s} | ${x.acked_missing_after_drain} | ${x.acked_not_stored} | ${x.puback_p50_ms} / ${x.puback_p99_ms} | ${x.stored_p50_ms} / ${x.stored_p99_ms} |`,
  )
  return [
    '| offered/s | published/s | acked/s | stored/s | acked, missing after drain | acked, never stored | PUBACK p50 / p99 ms | stored p50 / p99 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n')
}

/** The same report for people. */
export function reportMarkdown(r: Report, stamp: string): string {
  const d = r.door_to_webhook
  return `# Benchmark ${r.date} (${r.run}, ${r.commit})

Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memory_gib} GiB, load average ${r.machine.loadavg_start.join(' ')} at the start and ${r.machine.loadavg_end.join(' ')} at the end; ${r.machine.note}.
Versions: Node ${r.versions.node}, aedes ${r.versions.aedes}, ${r.versions.influxd}, ${r.versions.mosquitto}, Node-RED ${r.versions.node_red} with node-red-contrib-influxdb ${r.versions.node_red_contrib_influxdb}.
Load: ${r.settings.cabinets} cabinets over ${r.settings.loaders} processes, QoS 1 heartbeats; sweep steps of ${r.settings.step_seconds} s open loop, then up to ${r.settings.drain_max_seconds} s for the last points.${QUICK_NOTE ? `\nThis is a ${QUICK_NOTE}.` : ''}

## Sustained stored heartbeats/s (highest stored rate with nothing acknowledged lost)

| | heartbeats/s | |
| --- | ---: | --- |
| Limit 1: line protocol straight into InfluxDB | ${r.limit1_influxdb_points_per_s.points_per_s} | batches of ${r.limit1_influxdb_points_per_s.batch}, ${r.limit1_influxdb_points_per_s.concurrency} in flight |
| Limit 2: bare aedes, acknowledged | ${r.limit2_bare_aedes.acked_per_s} | closed loop, ${r.settings.closed_loop_window} in flight per cabinet; PUBACK p50 ${r.limit2_bare_aedes.p50_ms} ms, p99 ${r.limit2_bare_aedes.p99_ms} ms |
| Ours: the gateway, stored | ${r.ours.sustained_stored_per_s} | at ${r.ours.sustained_offered_per_s}/s offered |
| Peer: Mosquitto + Node-RED, stored | ${r.peer.sustained_stored_per_s} | at ${r.peer.sustained_offered_per_s}/s offered |

Ratios: Ours / Peer **${r.ratios.ours_vs_peer}**, Ours / Limit 2 **${r.ratios.ours_vs_limit2}**, Ours / Limit 1 ${r.ratios.ours_vs_limit1}, Peer / Limit 1 ${r.ratios.peer_vs_limit1}.

## Offered-rate sweep

Publish→stored latency is read from the count curves (the k-th heartbeat published taken as the k-th stored; InfluxDB counted every 250 ms). "Acked, missing after drain": acknowledged (cabinet, seq) pairs not in InfluxDB when the step's drain wait ended (a backlog still being written); "acked, never stored": those still missing once the whole sweep had drained (lost). Stored/s: stored heartbeats over the time they were arriving in InfluxDB (first to last, 250 ms resolution).

Ours (the gateway as shipped):

${sweepTable(r.ours)}

Peer (Mosquitto 2, Node-RED 4: mqtt in → json → function → join → influxdb batch):

${sweepTable(r.peer)}

![stored rate](${stamp}-stored.svg) ![p99](${stamp}-p99.svg)

## Door opened → webhook (Ours)

At half Ours' sustained stored rate (${d.background_offered_per_s}/s offered, ${d.background_acked_per_s} acked/s, heartbeat PUBACK p50 ${d.background_puback_p50_ms} ms, p99 ${d.background_puback_p99_ms} ms): ${d.delivered} of ${d.probes} delivered, p50 ${d.p50_ms} ms, p99 ${d.p99_ms} ms (the slowest, with fewer than 100 probes), max ${d.max_ms} ms; gateway event-loop delay p99 ${d.event_loop_delay_p99_ms} ms, max ${d.event_loop_delay_max_ms} ms over this phase alone. It starts once the gateway has given back the heap the sweep's overload grew (a full collection, broker/heap-release.ts); releases during the phase: ${d.heap_releases_during}.

${resourcesMarkdown({ memory: r.idle_memory, backfill: r.backfill_memory, outage: r.outage_drain }, stamp)}`
}

function charts(r: Report): Record<string, string> {
  const pts = (s: Sweep, f: (x: Sweep['steps'][number]) => number): Array<[number, number]> =>
    s.steps.map((x) => [x.offered_per_s, f(x)])
  const maxRate = Math.max(...r.settings.sweep_rates)
  return {
    stored: lineChart({
      title: 'Stored heartbeats/s against offered',
      x: 'offered heartbeats/s',
      y: 'stored heartbeats/s',
      series: [
        { name: 'Ours', points: pts(r.ours, (x) => x.stored_per_s) },
        { name: 'Peer', points: pts(r.peer, (x) => x.stored_per_s) },
        {
          name: 'stored = offered',
          points: [
            [0, 0],
            [maxRate, maxRate],
          ],
          dashed: true,
        },
      ],
    }),
    p99: lineChart({
      title: 'Publish → stored p99 against offered',
      x: 'offered heartbeats/s',
      y: 'p99 ms',
      series: [
        { name: 'Ours', points: pts(r.ours, (x) => x.stored_p99_ms) },
        { name: 'Peer', points: pts(r.peer, (x) => x.stored_p99_ms) },
      ],
    }),
    memory: memoryChart({ memory: r.idle_memory, backfill: r.backfill_memory, outage: r.outage_drain }),
  }
}

/** Writes {date}-{commit}.json, .md and three charts under `dir`; returns the markdown and its path. */
export function writeReport(dir: string, figures: BenchFigures): { md: string; path: string } {
  const report = reportJson(figures)
  const stamp = `${report.date.slice(0, 19).replace(/:/g, '-')}-${report.commit}`
  const md = reportMarkdown(report, stamp)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(dir, `${stamp}.md`), md)
  for (const [name, svg] of Object.entries(charts(report)))
    writeFileSync(join(dir, `${stamp}-${name}.svg`), svg)
  return { md, path: join(dir, `${stamp}.md`) }
}

/**
 * `npm run bench -- --only=resources`: the memory and outage phases alone, written as
 * {date}-{commit}-resources.json and .md with the memory chart.
 */
export function writeResourcesReport(
  dir: string,
  loadavgStart: number[],
  r: Resources,
): { md: string; path: string } {
  const date = new Date().toISOString()
  const commit = commitOf()
  const stamp = `${date.slice(0, 19).replace(/:/g, '-')}-${commit}-resources`
  const machine = {
    cores: cpus().length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    loadavg_start: loadavgStart.map((x) => Number(x.toFixed(2))),
    loadavg_end: loadavg().map((x) => Number(x.toFixed(2))),
    note: 'load generators, InfluxDB and the systems measured share the machine',
  }
  const json = { date, commit, run: QUICK ? 'quick' : 'full', machine, node: process.version, ...r }
  const md = `# Benchmark ${date} (${json.run}, ${commit}): memory and outage recovery only

Machine: ${machine.cores} cores, ${machine.memory_gib} GiB, load average ${machine.loadavg_start.join(' ')} at the start and ${machine.loadavg_end.join(' ')} at the end; ${machine.note}.

${resourcesMarkdown(r, stamp)}`
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`)
  writeFileSync(join(dir, `${stamp}.md`), md)
  writeFileSync(join(dir, `${stamp}-memory.svg`), memoryChart(r))
  return { md, path: join(dir, `${stamp}.md`) }
}
