/** One CSV field (RFC 4180): quoted when it holds a comma, quote, or line break. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** CSV text (RFC 4180, CRLF line ends) with a header row. */
export function toCsv(
  columns: readonly string[],
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
): string {
  const lines = [columns.map(csvField).join(',')]
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','))
  return `${lines.join('\r\n')}\r\n`
}

/** Rows of CSV text written by `toCsv` (RFC 4180: quoted fields, doubled quotes), header as keys. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = []
  let field = ''
  let record: string[] = []
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      record.push(field)
      field = ''
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i++
      record.push(field)
      records.push(record)
      record = []
      field = ''
    } else field += ch
  }
  if (field !== '' || record.length > 0) records.push([...record, field])
  const [head, ...rows] = records
  return rows.map((r) => Object.fromEntries((head ?? []).map((h, i) => [h, r[i] ?? ''])))
}
