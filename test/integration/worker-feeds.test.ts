// Worker mode's scheduled feed jobs against a real PostgreSQL 15 and InfluxDB, with two workers'
// feed jobs each in its own process (test/fixtures/worker-feeds-child.ts) and real HTTP receivers
// for the health-map push and the BKKHDC delivery: one push per snapshot that changed, each
// readiness change written once, one build and one delivery per due month; the holder of both
// leases SIGKILLed mid-build (its InfluxDB queries stalled in a proxy) with another dataset's
// delivery failing, and the survivor builds the first month, delivers both once (the second not
// built again), builds the next due month, and pushes the next change once.
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgAlertStore } from '../../gateway/alerts/postgres/alert-store.ts'
import { PgFeedJobStore } from '../../gateway/feeds/postgres/job-store.ts'
import { createPgPool, LOCK_SPACE } from '../../gateway/lib/postgres/db.ts'
import { runPgMigrations } from '../../gateway/lib/postgres/migrations.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { PgLiveStateStore } from '../../gateway/state/postgres/live-state-store.ts'
import { postgresMigrations } from '../../gateway/wiring/postgres-migrations.ts'
import { registerInPostgres } from '../../gateway/wiring/registry-mirror.ts'
import { type Postgres, postgresAvailable, startTempPostgres } from '../../scripts/lib/postgres.ts'
import { captureOutput, exitOf, spawnTs, stdoutLines } from '../../scripts/lib/processes.ts'
import { registrationFor } from '../helpers/gateway.ts'
import { eventually, influxRows, influxUrl } from '../helpers/influx.ts'
import { alertFixture, liveWithDoor, openTransition } from '../helpers/postgres-fixtures.ts'
import { HttpReceiver, type ReceivedRequest } from '../helpers/receivers.ts'
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts'

const CABINETS = ['AED-3001', 'AED-3002', 'AED-3003', 'AED-3004', 'AED-3005', 'AED-3006']
const OCTOBER = Date.UTC(2026, 9, 10, 5, 0, 0)
const db = `t_feeds_${process.pid}`
let server: Postgres
let pool: pg.Pool
let jobs: PgFeedJobStore
let dataDir: string
const push = new HttpReceiver()
const bkkhdc = new HttpReceiver()
const workers = new Map<string, { child: ChildProcess; output: () => string }>()
let overrides: Record<string, unknown>
/** Between worker-a and InfluxDB: stalled, it holds worker-a mid-build. */
let proxy: TcpProxy

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function startWorker(name: string, influx: string): Promise<void> {
  const child = spawnTs('test/fixtures/worker-feeds-child.ts', [], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AEDGW_TEST_OVERRIDES: JSON.stringify({ ...overrides, influx: { url: influx, db } }),
      AEDGW_TEST_NAME: name,
    },
  })
  const output = captureOutput(child)
  workers.set(name, { child, output })
  for await (const line of stdoutLines(child))
    if (line === 'ready') {
      child.stdout?.resume()
      return
    }
  throw new Error(`${name} exited before it started:\n${output()}`)
}

/** The worker (application name) holding the lease `name`, or null. */
async function holderOf(name: string): Promise<string | null> {
  const { rows } = await pool.query<{ app: string }>(
    `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1
        AND l.objid = (hashtext($2)::bigint & 4294967295)::oid`,
    [LOCK_SPACE.lease, name],
  )
  return rows[0]?.app ?? null
}

const datasetsOf = (r: HttpReceiver, id: string) =>
  r.requests.filter((q: ReceivedRequest) => q.headers['idempotency-key'] === id)

async function readinessPoints(cabinet: string): Promise<number> {
  const rows = await influxRows(db, `SELECT "state" FROM "readiness" WHERE "cabinet" = '${cabinet}'`)
  return rows.length
}

/** A cabinet whose AED was taken out: readiness in_use, public status unavailable. */
const aedRemoved = (nowMs: number) => ({
  ...liveWithDoor('open', nowMs),
  aed_present: false,
  aed_removed_since_ms: nowMs,
})

/** Features of a pushed collection whose public status is `unavailable` (an AED taken out). */
const unavailable = (r: ReceivedRequest | undefined) =>
  (JSON.parse(r?.body ?? '{}') as { features: Array<{ properties: { status: string } }> }).features.filter(
    (f) => f.properties.status === 'unavailable',
  ).length

describe.runIf(postgresAvailable())('worker mode: scheduled feed jobs once across workers', () => {
  beforeAll(async () => {
    server = await startTempPostgres()
    const url = await server.createDatabase('feeds')
    pool = createPgPool({ url, applicationName: 'test' })
    await runPgMigrations(pool, postgresMigrations)
    jobs = new PgFeedJobStore(pool)
    dataDir = mkdtempSync(join(tmpdir(), 'aedgw-worker-feeds-'))
    const hasher = SecretHasher.fromDataDir(dataDir)
    const now = Date.now()
    for (const id of CABINETS) {
      await registerInPostgres(pool, hasher, registrationFor(id), Date.UTC(2026, 8, 1))
      await new PgLiveStateStore(pool).save(id, liveWithDoor('closed', now), now)
    }
    // five offline alerts raised in October 2026 in district 1001 (kept in PostgreSQL only)
    const alerts = new PgAlertStore(pool)
    for (const [i, id] of CABINETS.slice(0, 5).entries()) {
      const a = alertFixture(`al_oct_${i}`, id, 'offline', OCTOBER + i * 60_000)
      await alerts.record(a, openTransition(a))
    }
    overrides = {
      data_dir: dataDir,
      cluster: { postgres_url: url },
      feeds: {
        readiness_interval_ms: 200,
        healthmap: {
          push_url: `${await push.start()}/feed`,
          snapshot_interval_ms: 1000,
          push_debounce_ms: 200,
        },
        bkkhdc: {
          url: `${await bkkhdc.start()}/datasets`,
          token: 'bkkhdc-test-token',
          schedule: null,
          tick_ms: 100,
          retry_base_ms: 100,
          retry_max_ms: 200,
        },
      },
    }
    await fetch(`${influxUrl()}/query?${new URLSearchParams({ q: `CREATE DATABASE ${db}` })}`, {
      method: 'POST',
    })
    // worker-a starts alone and takes both leases; worker-b then waits for them
    const target = new URL(influxUrl())
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) })
    await startWorker('worker-a', proxy.url)
    await eventually(async () =>
      (await holderOf('feeds')) === 'worker-a' && (await holderOf('bkkhdc')) === 'worker-a'
        ? true
        : undefined,
    )
    await startWorker('worker-b', influxUrl())
  }, 120_000)

  afterAll(async () => {
    for (const w of workers.values()) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM')
      await exitOf(w.child)
    }
    await pool?.end()
    await server?.stop()
    await Promise.all([push.stop(), bkkhdc.stop(), proxy?.close()])
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('pushes the health-map feed once per changed snapshot and writes each readiness change once', {
    timeout: 90_000,
  }, async () => {
    const [first] = await push.received(1)
    expect(JSON.parse(first?.body ?? '{}').features).toHaveLength(CABINETS.length)
    // both workers tick many times over several snapshots: nothing changed, nothing pushed again
    await pause(2500)
    expect(push.requests).toHaveLength(1)
    for (const id of CABINETS) expect(await readinessPoints(id)).toBe(1)

    const now = Date.now()
    await new PgLiveStateStore(pool).save('AED-3002', aedRemoved(now), now)
    const [, second] = await push.received(2)
    expect(second?.headers.etag).not.toBe(first?.headers.etag)
    expect([unavailable(first), unavailable(second)]).toEqual([0, 1])
    await pause(2500)
    expect(push.requests).toHaveLength(2)
    expect(await readinessPoints('AED-3002')).toBe(2)
    expect(await readinessPoints('AED-3001')).toBe(1)
    expect(await holderOf('feeds')).toBe('worker-a')
  })

  it("builds a due month once from InfluxDB and PostgreSQL's alerts, and delivers it once", async () => {
    // what every worker's schedule records when it fires
    await jobs.markDue('2026-10', Date.now())
    await jobs.markDue('2026-10', Date.now())
    await bkkhdc.received(1)
    await pause(1000)
    const sent = datasetsOf(bkkhdc, 'bkkhdc-aed-2026-10')
    expect(sent).toHaveLength(1)
    expect(bkkhdc.requests).toHaveLength(1)
    const { files } = JSON.parse(sent[0]?.body ?? '{}') as { files: Record<string, string> }
    const offline = (files['alerts.csv'] ?? '').split(/\r?\n/).find((l) => l.includes(',offline,'))
    expect(offline?.split(',').at(-1)).toBe('5')
    const { rows } = await pool.query("SELECT state FROM bkkhdc_exports WHERE month = '2026-10'")
    expect(rows).toEqual([{ state: 'delivered' }])
    const built = await pool.query("SELECT count(*)::int AS n FROM bkkhdc_audit WHERE action = 'built'")
    expect(built.rows[0].n).toBe(1)
    expect(await jobs.pendingMonths()).toEqual([])
  })

  it('passes both jobs to the other worker when their holder is SIGKILLed mid-build and mid-delivery', {
    timeout: 90_000,
  }, async () => {
    // 2026-09 built by worker-a, its delivery refused for now
    bkkhdc.status = 503
    await jobs.markDue('2026-09', Date.now())
    await eventually(async () => {
      const { rows } = await pool.query(
        "SELECT attempts FROM bkkhdc_exports WHERE month = '2026-09' AND state = 'pending' AND attempts > 0",
      )
      return rows.length > 0 ? true : undefined
    })
    // 2026-07: worker-a's build waits on InfluxDB queries that never answer
    proxy.setMode({ kind: 'stall' })
    const held = proxy.stats().held
    await jobs.markDue('2026-07', Date.now())
    await eventually(() => (proxy.stats().held > held ? true : undefined))
    const a = workers.get('worker-a')?.child as ChildProcess
    a.kill('SIGKILL')
    await exitOf(a)
    expect(await jobs.pendingMonths()).toEqual(['2026-07'])
    bkkhdc.status = 200
    await eventually(() => (datasetsOf(bkkhdc, 'bkkhdc-aed-2026-09').length > 0 ? true : undefined))
    await eventually(() => (datasetsOf(bkkhdc, 'bkkhdc-aed-2026-07').length > 0 ? true : undefined))
    await jobs.markDue('2026-08', Date.now())
    await eventually(() => (datasetsOf(bkkhdc, 'bkkhdc-aed-2026-08').length > 0 ? true : undefined))
    expect(await holderOf('bkkhdc')).toBe('worker-b')

    const now = Date.now()
    await new PgLiveStateStore(pool).save('AED-3004', aedRemoved(now), now)
    const [, , third] = await push.received(3)
    expect(await holderOf('feeds')).toBe('worker-b')
    await pause(2500)
    expect(push.requests).toHaveLength(3)
    expect(unavailable(third)).toBe(2)
    expect(await readinessPoints('AED-3004')).toBe(2)
    expect(await readinessPoints('AED-3002')).toBe(2)

    for (const month of ['2026-07', '2026-08', '2026-09'])
      expect(datasetsOf(bkkhdc, `bkkhdc-aed-${month}`)).toHaveLength(1)
    const { rows } = await pool.query(
      "SELECT month, state FROM bkkhdc_exports WHERE month IN ('2026-07', '2026-08', '2026-09') ORDER BY month",
    )
    expect(rows).toEqual([
      { month: '2026-07', state: 'delivered' },
      { month: '2026-08', state: 'delivered' },
      { month: '2026-09', state: 'delivered' },
    ])
    const built = await pool.query(
      "SELECT month, count(*)::int AS n FROM bkkhdc_audit WHERE action = 'built' GROUP BY month ORDER BY month",
    )
    expect(built.rows.map((r) => [r.month, r.n])).toEqual([
      ['2026-07', 1],
      ['2026-08', 1],
      ['2026-09', 1],
      ['2026-10', 1],
    ])
    expect(await jobs.pendingMonths()).toEqual([])
  })
})
