import { parseCsv } from '../csv.ts'
import type { DatasetTables, Row } from './aggregate.ts'
import { SUPPRESSED } from './suppress.ts'

/**
 * The suppression pattern of a delivered dataset: which districts were grouped, and which cells
 * were suppressed. A rebuild of the month is cut and suppressed the same way (and more where its
 * own numbers need it), so differencing it against the first build recovers no suppressed cell.
 */
export interface SuppressionPattern {
  /** The dataset it was read from. */
  datasetId: string
  grouped: string[]
  cells: Set<string>
}

const TABLES = { daily: 'daily.csv', monthly: 'monthly.csv', alerts: 'alerts.csv' } as const

function cellKey(file: string, row: Record<string, unknown>, column: string): string {
  const when = row.date ?? row.month ?? ''
  return [file, row.district_code, when, row.alert_type ?? '', column].join('|')
}

/** The pattern of a built dataset, from its files and manifest. */
export function patternOf(
  datasetId: string,
  grouped: readonly string[],
  files: Readonly<Record<string, string>>,
): SuppressionPattern {
  const cells = new Set<string>()
  for (const file of Object.values(TABLES))
    for (const row of parseCsv(files[file] ?? ''))
      for (const [column, value] of Object.entries(row))
        if (value === SUPPRESSED) cells.add(cellKey(file, row, column))
  return { datasetId, grouped: [...grouped], cells }
}

/** Suppresses in `tables` every cell the pattern suppressed; returns how many it had to add. */
export function applyPattern(tables: DatasetTables, pattern: SuppressionPattern): number {
  let added = 0
  const apply = (file: string, rows: Row[]) => {
    for (const row of rows)
      for (const column of Object.keys(row))
        if (row[column] !== SUPPRESSED && pattern.cells.has(cellKey(file, row, column))) {
          row[column] = SUPPRESSED
          added++
        }
  }
  apply(TABLES.daily, tables.daily)
  apply(TABLES.monthly, tables.monthly)
  apply(TABLES.alerts, tables.alerts)
  return added
}
