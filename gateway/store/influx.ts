import { HttpError, InfluxDB } from '@influxdata/influxdb-client'
import type { Config } from '../config/schema.ts'

export type InfluxConfig = Config['influx']

export interface InfluxSeries {
  name: string
  tags?: Record<string, string>
  columns: string[]
  values: unknown[][]
}

/**
 * The InfluxDB HTTP API for versions 1, 2 and 3, through @influxdata/influxdb-client's transport.
 * Writes: v1 `/write?db=` with Basic auth; v2 `/api/v2/write?org=&bucket=` with a token; v3 the
 * v2-compatible `/api/v2/write?bucket=` with the database as bucket. Queries are InfluxQL on
 * `/query`, which InfluxDB 1.x, 2.x (through a DBRP mapping) and 3 all serve.
 */
export class InfluxApi {
  private readonly cfg: InfluxConfig
  private readonly client: InfluxDB
  private readonly headers: Record<string, string>
  private readonly writePath: string

  constructor(cfg: InfluxConfig) {
    this.cfg = cfg
    this.client = new InfluxDB({
      url: cfg.url,
      timeout: cfg.timeout_ms,
      ...(cfg.version !== 1 && cfg.token ? { token: cfg.token } : {}),
    })
    this.headers = {}
    if (cfg.version === 1 && cfg.user) {
      const basic = Buffer.from(`${cfg.user}:${cfg.password ?? ''}`).toString('base64')
      this.headers.authorization = `Basic ${basic}`
    }
    const db = encodeURIComponent(cfg.db)
    this.writePath =
      cfg.version === 1
        ? `/write?db=${db}&precision=ms`
        : cfg.version === 2
          ? `/api/v2/write?org=${encodeURIComponent(cfg.org)}&bucket=${db}&precision=ms`
          : `/api/v2/write?bucket=${db}&precision=ms`
  }

  /** Resolves on 2xx; rejects with HttpError (statusCode) or a network error. */
  async write(lines: string[]): Promise<void> {
    await this.client.transport.request(this.writePath, lines.join('\n'), {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' },
    })
  }

  /** Runs InfluxQL; returns the series of each statement (an error in a statement rejects). */
  async query(q: string, opts: { db?: string; method?: 'GET' | 'POST' } = {}): Promise<InfluxSeries[][]> {
    const params = new URLSearchParams({ q, epoch: 'ms' })
    const db = opts.db ?? this.cfg.db
    if (db) params.set('db', db)
    const method = opts.method ?? 'GET'
    const path = method === 'GET' ? `/query?${params}` : '/query'
    const body = method === 'GET' ? '' : params.toString()
    const res = await this.client.transport.request(path, body, {
      method,
      headers: {
        ...this.headers,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    })
    const json = (typeof res === 'string' ? JSON.parse(res) : res) as {
      results?: Array<{ series?: InfluxSeries[]; error?: string }>
      error?: string
    }
    if (json.error) throw new Error(`InfluxQL: ${json.error}`)
    return (json.results ?? []).map((r) => {
      if (r.error) throw new Error(`InfluxQL: ${r.error}`)
      return r.series ?? []
    })
  }

  /** v1 only: CREATE DATABASE is idempotent in InfluxQL. */
  async ensureDatabase(): Promise<void> {
    if (this.cfg.version !== 1) return
    await this.query(`CREATE DATABASE "${this.cfg.db.replace(/"/g, '\\"')}"`, { method: 'POST', db: '' })
  }

  async ping(): Promise<boolean> {
    try {
      await this.client.transport.request('/ping', '', { method: 'GET', headers: this.headers })
      return true
    } catch {
      return false
    }
  }
}

/** 'client' for a 4xx other than 429 (the lines are at fault); 'server' or 'network' otherwise. */
export function classify(err: unknown): {
  kind: 'client' | 'server' | 'network'
  retryAfterMs: number | null
} {
  if (err instanceof HttpError) {
    const retryAfter = err.retryAfter()
    const ms = retryAfter > 0 ? retryAfter : null
    if (err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 429 && err.statusCode !== 408) {
      return { kind: 'client', retryAfterMs: null }
    }
    return { kind: 'server', retryAfterMs: ms }
  }
  return { kind: 'network', retryAfterMs: null }
}
