import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toCsv } from '../csv.ts'
import { ALERT_COLUMNS, DAILY_COLUMNS, type DatasetTables, MONTHLY_COLUMNS } from './aggregate.ts'
import type { Period } from './period.ts'
import { SUPPRESSED } from './suppress.ts'

export const SCHEMA_VERSION = '2.0'

export interface ManifestFile {
  name: string
  media_type: string
  rows: number
  bytes: number
  sha256: string
}

export interface Manifest {
  dataset_id: string
  schema_version: string
  producer: string
  period: { month: string; first_day: string; last_day: string; time_zone: 'Asia/Bangkok' }
  generated_at: string
  suppression: {
    rule: string
    marker: string
    /** Districts reported together as `district_code` "small" (fewer than 5 cabinets). */
    grouped_districts: string[]
    /** For a rebuild: the dataset whose suppression pattern it reuses. */
    pattern_of: string | null
  }
  files: ManifestFile[]
}

/** A built dataset: its files' exact bytes (UTF-8 text) and the manifest describing them. */
export interface Dataset {
  manifest: Manifest
  files: Record<string, string>
}

/** `bkkhdc-aed-2026-10`, or `…-r2` for a second build of a month that was already delivered. */
export function datasetId(month: string, revision: number): string {
  return `bkkhdc-aed-${month}${revision > 1 ? `-r${revision}` : ''}`
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

export function buildDataset(
  id: string,
  period: Period,
  tables: DatasetTables,
  generatedMs: number,
  patternOf: string | null = null,
): Dataset {
  const files: Record<string, string> = {
    'daily.csv': toCsv(DAILY_COLUMNS, tables.daily),
    'monthly.csv': toCsv(MONTHLY_COLUMNS, tables.monthly),
    'alerts.csv': toCsv(ALERT_COLUMNS, tables.alerts),
  }
  const rows: Record<string, number> = {
    'daily.csv': tables.daily.length,
    'monthly.csv': tables.monthly.length,
    'alerts.csv': tables.alerts.length,
  }
  const manifest: Manifest = {
    dataset_id: id,
    schema_version: SCHEMA_VERSION,
    producer: 'aed-gateway',
    period: {
      month: period.month,
      first_day: period.days[0]?.date ?? '',
      last_day: period.days.at(-1)?.date ?? '',
      time_zone: 'Asia/Bangkok',
    },
    generated_at: new Date(generatedMs).toISOString(),
    suppression: {
      rule: 'counts from 1 to 4, and measures over 1 to 4 cabinets, contributors or (median) fewer than 10 spells; hours in whole-hour bands, availability in a band no sharper than them; districts with fewer than 5 cabinets grouped',
      marker: SUPPRESSED,
      grouped_districts: tables.grouped,
      pattern_of: patternOf,
    },
    files: Object.entries(files).map(([name, text]) => ({
      name,
      media_type: 'text/csv; charset=utf-8',
      rows: rows[name] ?? 0,
      bytes: Buffer.byteLength(text, 'utf8'),
      sha256: sha256(text),
    })),
  }
  return { manifest, files }
}

/** Writes the files and `manifest.json` into `dir` (created when missing). */
export function writeDataset(dir: string, ds: Dataset): string[] {
  mkdirSync(dir, { recursive: true })
  const written: string[] = []
  for (const [name, text] of Object.entries(ds.files)) {
    writeFileSync(join(dir, name), text, 'utf8')
    written.push(join(dir, name))
  }
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(ds.manifest, null, 2)}\n`, 'utf8')
  written.push(join(dir, 'manifest.json'))
  return written
}
