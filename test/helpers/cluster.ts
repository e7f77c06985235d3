import { spawnSync } from 'node:child_process'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { SpikeCabinet } from '../../bench/cluster/cabinet.ts'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { registerInPostgres } from '../../gateway/wiring/registry-mirror.ts'
import type { Stack } from '../../scripts/cluster/stack.ts'
import { registrationFor } from './gateway.ts'
import { eventually, influxRows } from './influx.ts'

/** What every cluster test's workers run with: a registry re-read twice a second, short claims. */
export const WORKER_YAML = `cluster:
  registry_refresh_ms: 500
  delivery_poll_ms: 200
  delivery_claim_ms: 3000
  prefetch: 1000
`

/** Registers the cabinets in the cluster's PostgreSQL; resolves with their secrets once the workers know them. */
export async function registerCabinets(stack: Stack, ids: string[]): Promise<Map<string, string>> {
  const pool = createPgPool({ url: stack.postgresUrl, max: 2 })
  const hasher = new SecretHasher(stack.hashKey)
  const secrets = new Map<string, string>()
  try {
    for (const id of ids)
      secrets.set(id, await registerInPostgres(pool, hasher, registrationFor(id), Date.now()))
  } finally {
    await pool.end()
  }
  // every worker's mirror has read them once the broker-auth routes say allow for the last one
  const last = ids[ids.length - 1] as string
  for (const w of stack.workers) {
    await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${w.internalPort}/internal/broker-auth/user`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: last, password: secrets.get(last) as string }).toString(),
      })
      return (await res.text()) === 'allow' ? true : undefined
    })
  }
  return secrets
}

/** A heartbeat whose device time is unique per seq (10 ms apart, from `baseMs`). */
export function heartbeatAt(baseMs: number, seq: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ts: new Date(baseMs + seq * 10).toISOString(),
    seq,
    battery_pct: 87,
    pad_expiry: '2027-05-01',
    door: 'closed',
    aed_present: true,
    ...extra,
  })
}

/** Cabinets publishing QoS 1 heartbeats to the nodes in turn; every acknowledged (cabinet, seq) recorded. */
export function fleet(
  stack: Stack,
  secrets: Map<string, string>,
  opts: { window: number; baseMs: number },
): { cabinets: SpikeCabinet[]; acked: Map<string, Set<number>>; total(): number } {
  const acked = new Map<string, Set<number>>()
  let n = 0
  const cabinets = [...secrets].map(([id, secret], i) => {
    acked.set(id, new Set())
    const brokers = stack.nodes.map((node) => ({ host: '127.0.0.1', port: node.mqttPort }))
    return new SpikeCabinet({
      id,
      secret,
      // spread over the three nodes
      brokers: [...brokers.slice(i % 3), ...brokers.slice(0, i % 3)],
      window: opts.window,
      keepaliveS: 10,
      reconnectMs: 500,
      payload: (seq) => heartbeatAt(opts.baseMs, seq),
      onAck: (cab, seq) => {
        acked.get(cab)?.add(seq)
        n++
      },
    })
  })
  return { cabinets, acked, total: () => n }
}

/** Waits until `check` holds (the test's timeout bounds it). */
export async function until(check: () => boolean | Promise<boolean>, intervalMs = 100): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, intervalMs))
}

/** How many heartbeat points InfluxDB holds per (cabinet, seq) for these cabinets. */
export async function storedCounts(
  stack: Stack,
  cabinets: string[],
): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>()
  for (const id of cabinets) {
    const rows = await influxRows(
      stack.influxDb,
      `SELECT seq FROM heartbeat WHERE cabinet = '${id}'`,
      stack.influxUrl,
    )
    const counts = new Map<number, number>()
    for (const r of rows) counts.set(Number(r.seq), (counts.get(Number(r.seq)) ?? 0) + 1)
    out.set(id, counts)
  }
  return out
}

/** Acknowledged (cabinet, seq) pairs InfluxDB does not hold, and pairs it holds more than once. */
export async function ackedVsStored(
  stack: Stack,
  acked: Map<string, Set<number>>,
): Promise<{ missing: string[]; repeated: string[]; acked: number }> {
  const stored = await storedCounts(stack, [...acked.keys()])
  const missing: string[] = []
  const repeated: string[] = []
  let n = 0
  for (const [id, seqs] of acked) {
    const counts = stored.get(id) ?? new Map<number, number>()
    for (const seq of seqs) {
      n++
      const c = counts.get(seq) ?? 0
      if (c === 0) missing.push(`${id}#${seq}`)
      if (c > 1) repeated.push(`${id}#${seq}×${c}`)
    }
  }
  return { missing, repeated, acked: n }
}

/** Connects over MQTT to one node; the refusal's message when refused. */
export async function tryConnect(url: string, opts: IClientOptions): Promise<MqttClient | string> {
  try {
    return await mqtt.connectAsync(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...opts,
    })
  } catch (err) {
    return `refused: ${(err as Error).message}`
  }
}

/** The pid of the process on this machine whose TCP connection has local port `port`. */
export function pidOfLocalPort(port: number): number | null {
  const out = spawnSync('ss', ['-tnpH', `( sport = :${port} )`], { encoding: 'utf8' }).stdout
  const m = /pid=(\d+)/.exec(out)
  return m ? Number(m[1]) : null
}
