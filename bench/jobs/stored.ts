/** What reached InfluxDB: counts and the (cabinet, seq) of every stored heartbeat in a time range. */

export async function influxQuery(influxUrl: string, db: string, q: string): Promise<string> {
  const res = await fetch(
    `${influxUrl}/query?${new URLSearchParams({ db, q, chunked: 'true', chunk_size: '20000' })}`,
    {
      method: 'POST',
    },
  )
  return res.text()
}

export async function createDatabase(influxUrl: string, db: string): Promise<void> {
  await influxQuery(influxUrl, db, `CREATE DATABASE "${db}"`)
}

interface Chunk {
  results?: Array<{
    series?: Array<{ tags?: Record<string, string>; values: Array<[string | number, number]> }>
  }>
}

function chunks(text: string): Chunk[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Chunk)
}

function range(fromMs: number, toMs: number): string {
  return `time >= ${fromMs}ms AND time < ${toMs}ms`
}

/** Heartbeats stored with a device time in [fromMs, toMs). */
export async function countStored(
  influxUrl: string,
  db: string,
  fromMs: number,
  toMs: number,
): Promise<number> {
  const text = await influxQuery(
    influxUrl,
    db,
    `SELECT count(seq) FROM heartbeat WHERE ${range(fromMs, toMs)}`,
  )
  return chunks(text)[0]?.results?.[0]?.series?.[0]?.values[0]?.[1] ?? 0
}

/** Stored seqs per cabinet with a device time in [fromMs, toMs). */
export async function storedSeqs(
  influxUrl: string,
  db: string,
  fromMs: number,
  toMs: number,
): Promise<Map<string, Set<number>>> {
  const text = await influxQuery(
    influxUrl,
    db,
    `SELECT seq FROM heartbeat WHERE ${range(fromMs, toMs)} GROUP BY cabinet`,
  )
  const out = new Map<string, Set<number>>()
  for (const c of chunks(text))
    for (const s of c.results?.[0]?.series ?? []) {
      const cab = s.tags?.cabinet ?? ''
      const set = out.get(cab) ?? new Set<number>()
      for (const v of s.values) set.add(v[1])
      out.set(cab, set)
    }
  return out
}

/** Acknowledged (cabinet, seq) pairs that are not stored. */
export function lostOf(acked: Map<string, number[]>, stored: Map<string, Set<number>>): number {
  let lost = 0
  for (const [cab, seqs] of acked) {
    const have = stored.get(cab)
    for (const s of seqs) if (!have?.has(s)) lost++
  }
  return lost
}
