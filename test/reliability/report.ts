import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MODE } from './scale.ts'

/**
 * The reliability report. Each test appends one JSON line of figures to
 * `results/{mode}/figures.jsonl` (appends of one short line are atomic, so parallel test files
 * cannot garble each other) and re-renders `report.json` and `report.md` from every line: the
 * last file to finish leaves the complete report, and a file run alone still updates its part.
 * For each (section, name) the latest line wins; lines from an earlier run are marked as such.
 *
 * Headline keys, summed over every record that carries them: acked, stored, lost, duplicates,
 * kills, outage_s, attacks_tried, attacks_denied, packets_fuzzed, payloads_fuzzed. Memory keys
 * (heap_start_mb, heap_end_mb, rss_start_mb, rss_end_mb) are listed per section.
 */
export type FigureValue = number | string | boolean | null

export interface FigureRecord {
  section: string
  name: string
  figures: Record<string, FigureValue>
  notes?: string[]
  mode: 'short' | 'long'
  at: string
  /** Same for every file of one vitest run (the workers' parent), to mark older lines. */
  run: string
}

export const RESULTS_DIR = fileURLToPath(new URL(`./results/${MODE}/`, import.meta.url))
const FIGURES = join(RESULTS_DIR, 'figures.jsonl')

const SUMMED = [
  'acked',
  'stored',
  'lost',
  'duplicates',
  'kills',
  'outage_s',
  'attacks_tried',
  'attacks_denied',
  'packets_fuzzed',
  'payloads_fuzzed',
] as const
const MEMORY = ['heap_start_mb', 'heap_end_mb', 'rss_start_mb', 'rss_end_mb', 'fds_start', 'fds_end']

export function runId(): string {
  return process.env.AEDGW_RELIABILITY_RUN ?? String(process.ppid)
}

export function record(
  section: string,
  name: string,
  figures: Record<string, FigureValue>,
  notes: string[] = [],
): void {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const r: FigureRecord = {
    section,
    name,
    figures,
    ...(notes.length ? { notes } : {}),
    mode: MODE,
    at: new Date().toISOString(),
    run: runId(),
  }
  appendFileSync(FIGURES, `${JSON.stringify(r)}\n`)
}

export function readRecords(): FigureRecord[] {
  if (!existsSync(FIGURES)) return []
  const latest = new Map<string, FigureRecord>()
  for (const line of readFileSync(FIGURES, 'utf8').split('\n')) {
    if (!line.trim()) continue
    try {
      const r = JSON.parse(line) as FigureRecord
      latest.set(`${r.section}\u0000${r.name}`, r)
    } catch {
      // a torn line from a killed run: skip it
    }
  }
  return [...latest.values()].sort((a, b) => a.section.localeCompare(b.section) || a.at.localeCompare(b.at))
}

export function summarise(records: FigureRecord[]): Record<string, number> {
  const sum: Record<string, number> = {}
  for (const key of SUMMED) sum[key] = 0
  for (const r of records)
    for (const key of SUMMED) {
      const v = r.figures[key]
      if (typeof v === 'number') sum[key] = (sum[key] ?? 0) + v
    }
  return sum
}

/** Writes report.json and report.md from every figure recorded so far (atomic renames). */
export function render(): { json: string; md: string } {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const records = readRecords()
  const summary = summarise(records)
  const run = runId()
  const report = { mode: MODE, generated_at: new Date().toISOString(), summary, records }
  const json = join(RESULTS_DIR, 'report.json')
  const md = join(RESULTS_DIR, 'report.md')
  writeFileSync(`${json}.${process.pid}.tmp`, `${JSON.stringify(report, null, 2)}\n`)
  renameSync(`${json}.${process.pid}.tmp`, json)
  writeFileSync(`${md}.${process.pid}.tmp`, markdown(records, summary, run))
  renameSync(`${md}.${process.pid}.tmp`, md)
  return { json, md }
}

function fmt(v: FigureValue | undefined): string {
  if (v === undefined || v === null) return '–'
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2)
  return String(v).replace(/\|/g, '\\|')
}

function markdown(records: FigureRecord[], s: Record<string, number>, run: string): string {
  const out: string[] = []
  out.push(`# Reliability report (${MODE} run)`, '')
  out.push(
    `Generated ${new Date().toISOString()}. Figures are per test; the latest figure of each test is kept.`,
  )
  out.push('')
  out.push('## Summary', '', '| figure | value |', '| --- | --- |')
  out.push(`| messages acknowledged | ${s.acked} |`)
  out.push(`| acknowledged messages found stored | ${s.stored} |`)
  out.push(`| acknowledged messages lost | ${s.lost} |`)
  out.push(`| acknowledged messages stored twice | ${s.duplicates} |`)
  out.push(`| SIGKILLs survived | ${s.kills} |`)
  out.push(`| InfluxDB outage survived (s, total) | ${fmt(s.outage_s ?? 0)} |`)
  out.push(`| attacks tried / denied | ${s.attacks_tried} / ${s.attacks_denied} |`)
  out.push(`| MQTT packets fuzzed | ${s.packets_fuzzed} |`)
  out.push(`| payloads fuzzed through ingest | ${s.payloads_fuzzed} |`)
  const mem = records.filter((r) => MEMORY.some((k) => k in r.figures))
  if (mem.length) {
    out.push('', '## Memory and handles, start → end', '')
    out.push('| test | heap MB | RSS MB | handles / fds |', '| --- | --- | --- | --- |')
    for (const r of mem) {
      const f = r.figures
      out.push(
        `| ${r.section}: ${r.name} | ${fmt(f.heap_start_mb)} → ${fmt(f.heap_end_mb)} | ${fmt(f.rss_start_mb)} → ${fmt(f.rss_end_mb)} | ${fmt(f.fds_start)} → ${fmt(f.fds_end)} |`,
      )
    }
  }
  const sections = [...new Set(records.map((r) => r.section))]
  for (const section of sections) {
    out.push('', `## ${section}`, '')
    const rows = records.filter((r) => r.section === section)
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r.figures)))]
    out.push(`| test | ${keys.join(' | ')} |`, `| --- | ${keys.map(() => '---').join(' | ')} |`)
    for (const r of rows) {
      const mark = r.run === run ? '' : ` (earlier run, ${r.at})`
      out.push(`| ${fmt(r.name)}${mark} | ${keys.map((k) => fmt(r.figures[k])).join(' | ')} |`)
    }
    const notes = rows.flatMap((r) => (r.notes ?? []).map((n) => `- ${r.name}: ${n}`))
    if (notes.length) out.push('', ...notes)
  }
  out.push('')
  return out.join('\n')
}
