// Worker mode's rule sweep against a real PostgreSQL 15 started for this file, with a clock the
// test moves: a rule's for_ms hold counts from the sweep that first sees the condition; a
// muted alert opens without a notification and is notified by the sweep once its silence has
// ended, an inhibited one once its inhibiting alert resolved; a district outage opens and
// resolves with its cabinets' offline alerts; an open alert follows its condition's severity and a
// resolved one reopens when the condition returns within the window, unless a person resolved it
// while it held; of two workers' sweeps only the lease holder's runs, and the other's takes over when
// the holder stops.
import type pg from 'pg'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReceivers } from '../../gateway/alerts/notifiers/build.ts'
import { PgAlertStore } from '../../gateway/alerts/postgres/alert-store.ts'
import { CabinetStep, type CabinetStepDeps } from '../../gateway/alerts/postgres/cabinet-step.ts'
import { DistrictStep } from '../../gateway/alerts/postgres/district-step.ts'
import { PgNotices } from '../../gateway/alerts/postgres/notices.ts'
import { PgSilenceStore } from '../../gateway/alerts/postgres/silence-store.ts'
import { PgStateTransaction } from '../../gateway/alerts/postgres/state-transaction.ts'
import { PgSweep } from '../../gateway/alerts/postgres/sweep.ts'
import { readSweepView, SweepFilter } from '../../gateway/alerts/postgres/sweep-filter.ts'
import { buildRoute } from '../../gateway/alerts/routing.ts'
import { loadConfig } from '../../gateway/config/load.ts'
import { createPgPool } from '../../gateway/lib/postgres/db.ts'
import { LeaderLease } from '../../gateway/lib/postgres/leader-lease.ts'
import { runPgMigrations } from '../../gateway/lib/postgres/migrations.ts'
import { Thresholds } from '../../gateway/rules/thresholds.ts'
import type { CabinetLive } from '../../gateway/state/live-state.ts'
import { PgLiveStateStore } from '../../gateway/state/postgres/live-state-store.ts'
import { postgresMigrations } from '../../gateway/wiring/postgres-migrations.ts'
import { type Postgres, postgresAvailable, startTempPostgres } from '../../scripts/lib/postgres.ts'
import { alertFixture, liveWithDoor, openTransition } from '../helpers/postgres-fixtures.ts'

const T0 = Date.UTC(2026, 10, 26, 8, 0, 0)
const HELD = 'AED-2001'
const SILENCED = 'AED-2003'
const INHIBITED = 'AED-2004'
const log = pino({ level: 'silent' })
let server: Postgres
let poolA: pg.Pool
let poolB: pg.Pool
let now = T0

const config = loadConfig(
  {},
  {
    alerts: {
      webhook: { url: 'http://127.0.0.1:9/hook', secret: 'sweep-test-secret' },
      overrides: { [HELD]: { offline: { for_ms: 60_000 } } },
    },
  },
)

function noticesFor(): PgNotices {
  return new PgNotices({
    describe: () => null,
    config: config.alerts,
    root: buildRoute(config.alerts.route),
    receivers: buildReceivers(config.alerts, log, () => now),
  })
}

const stepDeps = (notices: PgNotices): CabinetStepDeps => ({
  liveOptions: {},
  thresholds: new Thresholds(config.alerts),
  infoOf: () => ({ district: '1001' }),
  notices,
  reopenWindowMs: config.alerts.reopen_window_ms,
  clock: () => now,
})

const stepFor = () => new CabinetStep(stepDeps(noticesFor()))

function filterFor(): SweepFilter {
  const notices = noticesFor()
  return new SweepFilter(stepDeps(notices), (a, at) => notices.escalationDue(a, at))
}

const districtStep = () =>
  new DistrictStep({ notices: noticesFor(), outage: config.alerts.district_outage, clock: () => now })

/**
 * One cabinet's sweep at `at`; and every time the step acts, the round's lock-free filter must
 * have picked that cabinet (it may pick too many, never too few).
 */
async function sweepAt(at: number, cabinet: string) {
  now = at
  const saved = await new PgLiveStateStore(poolB).get(cabinet)
  const picked = saved !== null && filterFor().wouldAct(cabinet, saved, await readSweepView(poolB), at)
  const r = await new PgStateTransaction(poolA).withCabinet(cabinet, (u) => stepFor().sweep(u, cabinet))
  if (r.opened.length + r.resolved.length + r.deliveries.length > 0) expect(picked).toBe(true)
  return r
}

async function alertsOf(cabinet: string): Promise<Array<{ id: string; type: string; state: string }>> {
  const { rows } = await poolB.query('SELECT id, type, state FROM alerts WHERE cabinet = $1', [cabinet])
  return rows
}

describe.runIf(postgresAvailable())('worker mode: the rule sweep in PostgreSQL', () => {
  beforeAll(async () => {
    server = await startTempPostgres()
    const url = await server.createDatabase('sweep')
    poolA = createPgPool({ url, applicationName: 'worker-a' })
    poolB = createPgPool({ url, applicationName: 'worker-b' })
    await runPgMigrations(poolA, postgresMigrations)
  })
  afterAll(async () => {
    await Promise.all([poolA?.end(), poolB?.end()])
    await server?.stop()
  })

  it("opens a silent cabinet's offline alert only once the condition held for the rule's for_ms", async () => {
    // last heartbeat at T0, none since: offline after 3 × 300 s, then held 60 s
    await new PgLiveStateStore(poolA).save(HELD, liveWithDoor('closed', T0), T0)
    expect((await sweepAt(T0 + 899_000, HELD)).opened).toEqual([])
    expect((await sweepAt(T0 + 900_000, HELD)).opened).toEqual([])
    expect((await sweepAt(T0 + 959_000, HELD)).opened).toEqual([])
    const opened = await sweepAt(T0 + 960_000, HELD)
    expect(opened.opened).toHaveLength(1)
    expect(opened.deliveries.length).toBeGreaterThan(0)
    expect(opened.deliveries.every((d) => d.startsWith(`${opened.opened[0]}:firing@default/`))).toBe(true)
    const again = await sweepAt(T0 + 1_000_000, HELD)
    expect(again).toEqual({ opened: [], resolved: [], deliveries: [] })
    expect(await alertsOf(HELD)).toEqual([{ id: opened.opened[0], type: 'offline', state: 'active' }])
  })

  it('opens a silenced alert without a notification and notifies it once the silence has ended', async () => {
    await new PgLiveStateStore(poolA).save(SILENCED, liveWithDoor('open', T0), T0)
    await new PgSilenceStore(poolA).insert({
      id: 'si_sweep_test',
      matchers: [{ name: 'cabinet', value: SILENCED, is_regex: false, is_equal: true }],
      starts_ms: T0 - 1000,
      ends_ms: T0 + 120_000,
      created_by: 'test',
      comment: 'technician on site',
      created_ms: T0,
    })
    const muted = await sweepAt(T0 + 1000, SILENCED)
    expect(muted.opened).toHaveLength(1)
    expect(muted.deliveries).toEqual([])
    expect((await sweepAt(T0 + 119_000, SILENCED)).deliveries).toEqual([])
    const released = await sweepAt(T0 + 120_000, SILENCED)
    expect(released.opened).toEqual([])
    expect(released.deliveries.length).toBeGreaterThan(0)
    expect(released.deliveries.every((d) => d.startsWith(`${muted.opened[0]}:firing@default/`))).toBe(true)
    expect((await sweepAt(T0 + 121_000, SILENCED)).deliveries).toEqual([])
  })

  it("holds back a cabinet's battery alert while its offline alert is open (inhibition), and sends it once that resolves", async () => {
    const low = (heartbeatMs: number): CabinetLive => ({
      ...liveWithDoor('closed', heartbeatMs),
      last_heartbeat: { battery_pct: 5 } as CabinetLive['last_heartbeat'],
    })
    // as the offline rule raises it (major): an alert at another severity would change severity
    const fixture = alertFixture('al_offline_fixture', INHIBITED, 'offline', T0 + 899_000)
    const offline = {
      ...fixture,
      severity: 'major' as const,
      labels: { ...fixture.labels, severity: 'major' },
    }
    await new PgAlertStore(poolA).record(offline, openTransition(offline))
    await new PgLiveStateStore(poolA).save(INHIBITED, low(T0), T0)
    const muted = await sweepAt(T0 + 900_000, INHIBITED)
    expect(muted.opened).toHaveLength(1)
    expect(muted.deliveries).toEqual([])
    // a heartbeat again (battery still low): offline resolves, the battery alert is told now
    await new PgLiveStateStore(poolA).save(INHIBITED, low(T0 + 950_000), T0 + 950_000)
    const back = await sweepAt(T0 + 951_000, INHIBITED)
    expect(back.resolved).toEqual([offline.id])
    const battery = muted.opened[0] as string
    expect(back.deliveries.some((d) => d.startsWith(`${battery}:firing@default/`))).toBe(true)
    expect(back.deliveries.some((d) => d.startsWith(`${offline.id}:resolved@default/`))).toBe(true)
  })

  it('opens a district outage when 3 of its 4 cabinets are offline, and resolves it when 2 are', async () => {
    const cabinets = ['AED-3001', 'AED-3002', 'AED-3003', 'AED-3004']
    const store = new PgAlertStore(poolA)
    const offline = cabinets.slice(0, 3).map((c) => {
      const a = alertFixture(`al_offline_${c}`, c, 'offline', T0)
      return { ...a, labels: { ...a.labels, district: '1002' } }
    })
    const decide = (at: number) => {
      now = at
      return new PgStateTransaction(poolA).withCabinet('district-1002', (u) =>
        districtStep().apply(u, '1002', cabinets),
      )
    }
    for (const a of offline.slice(0, 2)) await store.record(a, openTransition(a))
    expect((await decide(T0 + 1000)).opened).toEqual([])
    await store.record(
      offline[2] as (typeof offline)[number],
      openTransition(offline[2] as (typeof offline)[number]),
    )
    const opened = await decide(T0 + 2000)
    expect(opened.opened).toHaveLength(1)
    expect(opened.deliveries.every((d) => d.startsWith(`${opened.opened[0]}:firing@default/`))).toBe(true)
    expect(opened.deliveries.length).toBeGreaterThan(0)
    expect((await decide(T0 + 3000)).opened).toEqual([])
    expect(await alertsOf('district-1002')).toEqual([
      { id: opened.opened[0], type: 'district_outage', state: 'active' },
    ])
    const back = offline[0] as (typeof offline)[number]
    await store.record(
      { ...back, state: 'resolved', resolved_ms: T0 + 4000, updated_ms: T0 + 4000 },
      { ...openTransition(back), kind: 'resolve', from_state: 'active', to_state: 'resolved' },
    )
    expect((await decide(T0 + 5000)).resolved).toEqual(opened.opened)
  })

  it("follows its condition's severity, and reopens the alert it resolved when the condition returns within the window", async () => {
    const cabinet = 'AED-2006'
    const battery = (pct: number, at: number): CabinetLive => ({
      ...liveWithDoor('closed', at),
      last_heartbeat: { battery_pct: pct } as CabinetLive['last_heartbeat'],
    })
    const saveAt = (pct: number, at: number) =>
      new PgLiveStateStore(poolA).save(cabinet, battery(pct, at), at)
    await saveAt(15, T0)
    const opened = await sweepAt(T0, cabinet)
    expect(opened.opened).toHaveLength(1)
    const id = opened.opened[0] as string
    expect(opened.deliveries.every((d) => d.startsWith(`${id}:firing@`))).toBe(true)
    // the charge falls under the critical threshold: the same alert, now critical, notified again
    await saveAt(5, T0 + 60_000)
    const worse = await sweepAt(T0 + 60_000, cabinet)
    expect(worse.opened).toEqual([])
    expect(worse.deliveries.length).toBeGreaterThan(0)
    expect(worse.deliveries.every((d) => d.startsWith(`${id}~critical.${T0 + 60_000}:firing@`))).toBe(true)
    expect((await new PgAlertStore(poolB).get(id))?.severity).toBe('critical')
    // a second sweep at the same severity changes nothing
    expect((await sweepAt(T0 + 61_000, cabinet)).deliveries).toEqual([])
    await saveAt(95, T0 + 120_000)
    expect((await sweepAt(T0 + 120_000, cabinet)).resolved).toEqual([id])
    // low again 10 minutes later, inside the reopen window: the same alert, reopened
    await saveAt(15, T0 + 720_000)
    const back = await sweepAt(T0 + 720_000, cabinet)
    expect(back.opened).toEqual([id])
    expect(back.deliveries.length).toBeGreaterThan(0)
    expect(back.deliveries.every((d) => d.startsWith(`${id}#1:firing@`))).toBe(true)
    const reopened = await new PgAlertStore(poolB).get(id)
    expect(reopened).toMatchObject({
      state: 'active',
      severity: 'warning',
      reopen_count: 1,
      resolved_ms: null,
    })
    const kinds = (await new PgAlertStore(poolB).transitions(id)).map((t) => t.kind)
    expect(kinds).toEqual(['open', 'severity', 'resolve', 'reopen'])
    expect(await alertsOf(cabinet)).toHaveLength(1)
  })

  it('does not raise again a condition a person resolved while it held, but does when it happens anew', async () => {
    const cabinet = 'AED-2007'
    const tampered = (at: number): CabinetLive => ({ ...liveWithDoor('closed', at), tamper_at_ms: at })
    await new PgLiveStateStore(poolA).save(cabinet, tampered(T0), T0)
    const opened = await sweepAt(T0, cabinet)
    expect(opened.opened).toHaveLength(1)
    const id = opened.opened[0] as string
    const store = new PgAlertStore(poolA)
    const a = (await store.get(id)) as NonNullable<Awaited<ReturnType<PgAlertStore['get']>>>
    const resolvedAt = T0 + 10_000
    const byHand = {
      ...a,
      state: 'resolved' as const,
      resolved_ms: resolvedAt,
      resolved_by: 'somchai',
      updated_ms: resolvedAt,
    }
    await store.record(byHand, {
      ...openTransition(byHand),
      kind: 'resolve',
      from_state: 'active',
      at_ms: resolvedAt,
      by: 'somchai',
    })
    // the same tamper still in the cabinet's state: not raised again
    expect((await sweepAt(T0 + 20_000, cabinet)).opened).toEqual([])
    expect((await store.get(id))?.state).toBe('resolved')
    // a new tamper: raised, as the same alert reopened (inside the window)
    await new PgLiveStateStore(poolA).save(cabinet, tampered(T0 + 30_000), T0 + 30_000)
    expect((await sweepAt(T0 + 30_000, cabinet)).opened).toEqual([id])
  })

  it('locks only the cabinets a round could change: 300 quiet ones are looked at in memory, not in a transaction', async () => {
    const at = T0 + 2_000_000
    now = at
    const quiet = Array.from({ length: 300 }, (_, i) => ({
      cabinet: `AED-Q${String(i).padStart(3, '0')}`,
      live: liveWithDoor('closed', at),
    }))
    const opened = ['AED-Q900', 'AED-Q901'].map((cabinet) => ({ cabinet, live: liveWithDoor('open', at) }))
    await new PgLiveStateStore(poolA).saveMany([...quiet, ...opened], at)
    const sweep = new PgSweep({
      pool: poolA,
      lease: new LeaderLease(poolA, 'alerts-sweep-fleet'),
      tx: new PgStateTransaction(poolA),
      step: stepFor(),
      filter: filterFor(),
      district: districtStep(),
      districts: () => new Map(),
      intervalMs: 60_000,
      concurrency: 2,
      log,
      onQueued: () => undefined,
      clock: () => now,
      pageSize: 64,
    })
    try {
      expect(await sweep.sweepNow()).toBe(true)
    } finally {
      await sweep.stop()
    }
    const all = await poolB.query<{ n: number }>('SELECT count(*)::int AS n FROM live_state')
    expect(sweep.counts.looked).toBe(all.rows[0]?.n)
    expect(sweep.counts.cabinets).toBeLessThanOrEqual(sweep.counts.looked - quiet.length)
    for (const { cabinet } of opened)
      expect((await alertsOf(cabinet)).map((a) => [a.type, a.state])).toEqual([['door_open', 'active']])
    expect(await alertsOf('AED-Q000')).toEqual([])
  })

  it("runs only the lease holder's sweep, and the other worker's once the holder stops", async () => {
    const sweeps = [poolA, poolB].map(
      (pool) =>
        new PgSweep({
          pool,
          lease: new LeaderLease(pool, 'alerts-sweep-test'),
          tx: new PgStateTransaction(pool),
          step: stepFor(),
          filter: filterFor(),
          district: districtStep(),
          districts: () => new Map([['1009', ['AED-9001']]]),
          intervalMs: 50,
          concurrency: 2,
          log,
          onQueued: () => undefined,
          clock: () => now,
        }),
    )
    for (const s of sweeps) s.start()
    try {
      await until(() => sweeps.some((s) => s.counts.rounds >= 5))
      const [leader, other] = sweeps[0]?.leader ? sweeps : [sweeps[1], sweeps[0]]
      expect(leader?.leader).toBe(true)
      expect(other?.leader).toBe(false)
      expect(other?.counts.rounds).toBe(0)
      expect(leader?.counts.looked).toBeGreaterThanOrEqual(5 * 2)
      await leader?.stop()
      await until(() => (other?.counts.rounds ?? 0) >= 2)
      expect(other?.leader).toBe(true)
    } finally {
      await Promise.all(sweeps.map((s) => s.stop()))
    }
  })
})

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20))
}
