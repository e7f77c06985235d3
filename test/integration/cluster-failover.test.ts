// Cluster mode losing an engine under load (real RabbitMQ 3.10 ×3, PostgreSQL 15, InfluxDB, two
// worker processes; one cluster for the file): PostgreSQL restarting loses nothing a cabinet got a
// PUBACK for, in InfluxDB or in the cabinets' live state; a broker node SIGKILLed loses nothing
// either, and its cabinets carry on through the surviving nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { type Stack, startStack } from '../../scripts/cluster/stack.ts'
import { postgresAvailable } from '../../scripts/lib/postgres.ts'
import { ackedVsStored, fleet, registerCabinets, until, WORKER_YAML } from '../helpers/cluster.ts'
import { eventually, influxUrl } from '../helpers/influx.ts'

let stack: Stack
let secrets: Map<string, string>
const db = `cluster_failover_${process.pid}`
const ids = (prefix: string) =>
  Array.from({ length: 15 }, (_, i) => `${prefix}-${String(i + 1).padStart(4, '0')}`)
const PG_FLEET = ids('CFP')
const NODE_FLEET = ids('CFN')

/** Runs a fleet until `before` acks, does `fault`, runs until `after` more, stops; returns what was acked. */
async function underLoad(cabinets: string[], fault: () => Promise<void>, before = 1000, after = 1500) {
  const f = fleet(stack, new Map(cabinets.map((id) => [id, secrets.get(id) as string])), {
    window: 5,
    baseMs: Date.now() - 3_600_000,
  })
  for (const c of f.cabinets) c.start()
  await until(() => f.cabinets.every((c) => c.connected))
  for (const c of f.cabinets) c.startPublishing()
  await until(() => f.total() >= before)
  await fault()
  const atFault = f.total()
  await until(() => f.total() >= atFault + after)
  for (const c of f.cabinets) c.stopPublishing()
  await new Promise((r) => setTimeout(r, 2000))
  for (const c of f.cabinets) await c.stop()
  return f
}

describe.runIf(postgresAvailable())('cluster mode when an engine fails under load', () => {
  beforeAll(async () => {
    stack = await startStack({
      workers: 2,
      basePort: 24200,
      influxUrl: influxUrl(),
      influxDb: db,
      configYaml: WORKER_YAML,
    })
    secrets = await registerCabinets(stack, [...PG_FLEET, ...NODE_FLEET])
  }, 300_000)
  afterAll(async () => {
    await stack?.stop()
  }, 120_000)

  it('loses nothing acknowledged, in InfluxDB or in live state, when PostgreSQL restarts', async () => {
    // down for 2 s, so that the cabinets' heartbeats meet it whatever the machine's load: a bare
    // restart can fall between two of the workers' batches
    const f = await underLoad(PG_FLEET, () => stack.postgres.restart('immediate', 2000))
    const result = await eventually(async () => {
      const r = await ackedVsStored(stack, f.acked)
      return r.missing.length === 0 ? r : undefined
    }, 60_000).catch(async () => ackedVsStored(stack, f.acked))
    expect(result.acked).toBeGreaterThanOrEqual(2500)
    expect(result.missing).toEqual([])
    expect(result.repeated).toEqual([])
    // the restart reached the workers: batches were held and retried, not acked
    let retries = 0
    for (const w of stack.workers) {
      const r = (await (await fetch(`http://127.0.0.1:${w.internalPort}/readyz`)).json()) as {
        retries: number
      }
      retries += r.retries
    }
    expect(retries).toBeGreaterThan(0)
    // each cabinet's live state holds its newest acknowledged heartbeat (monotonic by device time)
    const pool = createPgPool({ url: stack.postgresUrl, max: 1 })
    try {
      const latest = await eventually(async () => {
        const { rows } = await pool.query<{ cabinet: string; seq: number }>(
          `SELECT cabinet, (data->'last_heartbeat'->>'seq')::int AS seq FROM live_state WHERE cabinet = ANY($1)`,
          [PG_FLEET],
        )
        const got = Object.fromEntries(rows.map((r) => [r.cabinet, r.seq]))
        const want = Object.fromEntries([...f.acked].map(([id, s]) => [id, Math.max(...s)]))
        return PG_FLEET.every((id) => (got[id] ?? 0) >= (want[id] ?? 0)) ? { got, want } : undefined
      }, 30_000)
      for (const id of PG_FLEET) expect(latest.got[id]).toBeGreaterThanOrEqual(latest.want[id] ?? 0)
    } finally {
      await pool.end()
    }
  }, 240_000)

  it('loses nothing acknowledged when a broker node is SIGKILLed, and its cabinets go on through the survivors', async () => {
    let moved = 0
    const f = await underLoad(NODE_FLEET, async () => {
      const pid = stack.beamPid(0)
      expect(pid).not.toBeNull()
      process.kill(pid as number, 'SIGKILL')
    })
    moved = f.cabinets.filter((c) => c.connects > 1).length
    const result = await eventually(async () => {
      const r = await ackedVsStored(stack, f.acked)
      return r.missing.length === 0 ? r : undefined
    }, 60_000).catch(async () => ackedVsStored(stack, f.acked))
    expect(result.acked).toBeGreaterThanOrEqual(2500)
    expect(result.missing).toEqual([])
    expect(result.repeated).toEqual([])
    // the cabinets that had n1 first (every third) reconnected elsewhere
    expect(moved).toBeGreaterThanOrEqual(5)
  }, 240_000)
})
