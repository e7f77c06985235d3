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
