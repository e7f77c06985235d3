/**
 * The one measure of the outbox quota, used both when a line goes in and when it leaves: its
 * UTF-8 length, as SQLite stores it (`length(CAST(line AS BLOB))` at open).
 */
export function lineBytes(line: string): number {
  return Buffer.byteLength(line)
}
