import { inject } from 'vitest'

export function influxUrl(): string {
  return inject('influxUrl')
}

export interface Series {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

/** Runs InfluxQL on the shared (or a given) InfluxDB; returns the first statement's series. */
export async function influxQuery(db: string, q: string, url = influxUrl()): Promise<Series[]> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`)
  const json = (await res.json()) as { results: Array<{ series?: Series[]; error?: string }> }
  const first = json.results[0]
  if (first?.error) throw new Error(first.error)
  return first?.series ?? []
}

/** Rows of the first series as objects keyed by column. */
export async function influxRows(
  db: string,
  q: string,
  url = influxUrl(),
): Promise<Array<Record<string, unknown>>> {
  const series = await influxQuery(db, q, url)
  return series.flatMap((s) =>
    s.values.map((v) => ({ ...s.tags, ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])) })),
  )
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
