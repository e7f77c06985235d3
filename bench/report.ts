import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { DoorUnderLoad } from './jobs/door-to-webhook.ts'
import type { LoadResult } from './jobs/load.ts'
import type { Throughput } from './jobs/throughput.ts'
import { CABINETS, LOADERS, SECONDS, WINDOW } from './settings.ts'

export interface BenchFigures {
  base: LoadResult
  gw: Throughput
  door: DoorUnderLoad
}

/** The report as JSON: what bench/results/{date}.json holds. */
export function reportJson({ base, gw, door }: BenchFigures) {
  const baseRate = base.acked / base.seconds
  const ackRate = gw.load.acked / gw.load.seconds
  const storedRate = gw.stored / gw.storedSeconds
  return {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
    load: {
      cabinets: CABINETS,
      loaders: LOADERS,
      in_flight_per_cabinet: WINDOW,
      seconds: SECONDS,
      source: '127.0.0.1 (one address)',
    },
    baseline_bare_aedes: {
      acked_per_s: Math.round(baseRate),
      p50_ms: base.p50_us / 1000,
      p99_ms: base.p99_us / 1000,
    },
    gateway: {
      acked_per_s: Math.round(ackRate),
      stored_per_s: Math.round(storedRate),
      acked: gw.load.acked,
      stored: gw.stored,
      lost: gw.load.acked - Math.min(gw.stored, gw.load.acked),
      p50_ms: gw.load.p50_us / 1000,
      p99_ms: gw.load.p99_us / 1000,
      rss_mib: Math.round(gw.rssBytes / 2 ** 20),
    },
    ratio_acked_vs_bare_aedes: Number((ackRate / baseRate).toFixed(3)),
    door_to_webhook: {
      background_heartbeats_per_s: door.halfRate,
      background_acked_per_s: Math.round(door.half.acked / door.half.seconds),
      ...door.door,
      event_loop_delay_p99_ms: door.loop.p99_ms,
      event_loop_delay_max_ms: door.loop.max_ms,
    },
  }
}
export type Report = ReturnType<typeof reportJson>

/** The same report for people: bench/results/{date}.md and latest.md. */
export function reportMarkdown(report: Report): string {
  return `# Benchmark ${report.date}

Machine: ${report.machine.cores} cores, ${report.machine.memory_gib} GiB, Node ${report.machine.node}; load generators on the same machine.
Load: ${CABINETS} cabinets over ${LOADERS} processes from one loopback address, ${WINDOW} QoS 1 heartbeats in flight per cabinet, ${SECONDS} s.

| | acked/s | stored/s | p50 PUBACK | p99 PUBACK |
| --- | ---: | ---: | ---: | ---: |
| bare aedes (baseline, in memory, no auth) | ${report.baseline_bare_aedes.acked_per_s} | n/a | ${report.baseline_bare_aedes.p50_ms} ms | ${report.baseline_bare_aedes.p99_ms} ms |
| gateway (auth, ACL, validation, fsync'd outbox, InfluxDB) | ${report.gateway.acked_per_s} | ${report.gateway.stored_per_s} | ${report.gateway.p50_ms} ms | ${report.gateway.p99_ms} ms |

Ratio gateway / bare aedes (acked): **${report.ratio_acked_vs_bare_aedes}**. Acknowledged ${report.gateway.acked}, stored ${report.gateway.stored}, lost ${report.gateway.lost}. Gateway RSS at the end: ${report.gateway.rss_mib} MiB.

Door opened (AED removed) → webhook delivered, at half the measured maximum (${report.door_to_webhook.background_heartbeats_per_s} heartbeats/s offered, ${report.door_to_webhook.background_acked_per_s} acked/s): ${report.door_to_webhook.delivered} of ${report.door_to_webhook.probes} delivered, p50 ${report.door_to_webhook.p50_ms} ms, p99 ${report.door_to_webhook.p99_ms} ms, max ${report.door_to_webhook.max_ms} ms. Gateway event-loop delay meanwhile: p99 ${report.door_to_webhook.event_loop_delay_p99_ms} ms, max ${report.door_to_webhook.event_loop_delay_max_ms} ms.
`
}

/** Writes {date}.json, {date}.md and latest.md under `dir`; returns the markdown. */
export function writeReport(dir: string, figures: BenchFigures): string {
  const report = reportJson(figures)
  const md = reportMarkdown(report)
  mkdirSync(dir, { recursive: true })
  const stamp = report.date.replace(/[:.]/g, '-')
  writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(dir, `${stamp}.md`), md)
  writeFileSync(join(dir, 'latest.md'), md)
  return md
}
