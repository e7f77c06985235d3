// Two cluster workers (two pools, as two processes would have) against one real PostgreSQL 15
// started for this file: one cabinet's door-open handled by both at once opens one alert and
// enqueues one notification, also when their batches hold the same cabinets in opposite orders; a
// batch is all or nothing; a worker that dies mid-transaction leaves nothing behind and lets
// the other go on; a scheduled job's lease is held by one worker at a time and passes on when
// its holder's connection dies.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Notification } from '../../gateway/alerts/notifiers/notifier.ts'
import { WebhookNotifier } from '../../gateway/alerts/notifiers/webhook/webhook-notifier.ts'
import { PgAlertStore } from '../../gateway/alerts/postgres/alert-store.ts'
import { PgDeliveryStore } from '../../gateway/alerts/postgres/delivery-store.ts'
import { type CabinetUnit, PgStateTransaction } from '../../gateway/alerts/postgres/state-transaction.ts'
import { createPgPool, LOCK_SPACE, withTransaction } from '../../gateway/lib/postgres/db.ts'
import { LeaderLease } from '../../gateway/lib/postgres/leader-lease.ts'
import { runPgMigrations } from '../../gateway/lib/postgres/migrations.ts'
import { PgLiveStateStore } from '../../gateway/state/postgres/live-state-store.ts'
import { postgresMigrations } from '../../gateway/wiring/postgres-migrations.ts'
import { type Postgres, postgresAvailable, startTempPostgres } from '../../scripts/lib/postgres.ts'
import { handleDoorOpen } from '../helpers/postgres-fixtures.ts'

const NOW = Date.UTC(2026, 10, 26, 8, 0, 0)
let server: Postgres
let workerA: pg.Pool
let workerB: pg.Pool
/** The test's own view of the database (what an operator would query). */
let observer: pg.Pool
let dbUrl: string

const widen = (unit: CabinetUnit) => async () => {
  await unit.client.query('SELECT pg_sleep(0.05)')
}

describe.runIf(postgresAvailable())('PostgreSQL state tier with two workers', () => {
  beforeAll(async () => {
    server = await startTempPostgres()
    const url = await server.createDatabase('workers')
    dbUrl = url
    workerA = createPgPool({ url, applicationName: 'worker-a' })
    workerB = createPgPool({ url, applicationName: 'worker-b' })
    observer = createPgPool({ url, applicationName: 'observer' })
    await runPgMigrations(observer, postgresMigrations)
  })
  afterAll(async () => {
    await Promise.all([workerA?.end(), workerB?.end(), observer?.end()])
    await server?.stop()
  })

  it('opens exactly one alert and enqueues exactly one notification when two workers handle one door-open at once', async () => {
    const txA = new PgStateTransaction(workerA)
    const txB = new PgStateTransaction(workerB)
    const cabinets = ['AED-1001', 'AED-1002', 'AED-1003', 'AED-1004', 'AED-1005']
    const results = await Promise.all(
      cabinets.flatMap((c) => [
        txA.withCabinet(c, (u) => handleDoorOpen(u, c, 'a', NOW, widen(u))),
        txB.withCabinet(c, (u) => handleDoorOpen(u, c, 'b', NOW, widen(u))),
      ]),
    )
    for (const [i, c] of cabinets.entries()) {
      const opened = [results[2 * i], results[2 * i + 1]].filter((r) => r !== null)
      expect(opened).toHaveLength(1)
      const alerts = await observer.query('SELECT id FROM alerts WHERE cabinet = $1', [c])
      expect(alerts.rows.map((r) => r.id)).toEqual(opened)
      const transitions = await observer.query('SELECT kind FROM alert_transitions WHERE alert_id = $1', [
        opened[0],
      ])
      expect(transitions.rows).toEqual([{ kind: 'open' }])
      const deliveries = await observer.query(
        `SELECT id FROM alert_deliveries WHERE payload::jsonb->>'cabinet' = $1`,
        [c],
      )
      expect(deliveries.rows.map((r) => r.id)).toEqual([`${opened[0]}:open/webhook`])
      expect((await new PgLiveStateStore(observer).get(c))?.door).toBe('open')
    }
    expect(await new PgDeliveryStore(observer).pendingCount()).toBe(cabinets.length)
  })

  it("opens one alert per cabinet when two workers' batches over the same cabinets, in opposite orders, commit at once", async () => {
    const cabinets = ['AED-1101', 'AED-1102', 'AED-1103', 'AED-1104', 'AED-1105']
    const batch = (pool: pg.Pool, worker: string, order: string[]) =>
      new PgStateTransaction(pool).withCabinets(
        order,
        async (unitOf) => {
          const opened: string[] = []
          for (const c of order) {
            const id = await handleDoorOpen(unitOf(c), c, worker, NOW, widen(unitOf(c)))
            if (id) opened.push(id)
          }
          return opened
        },
        NOW,
      )
    const [a, b] = await Promise.all([
      batch(workerA, 'a', cabinets),
      batch(workerB, 'b', [...cabinets].reverse()),
    ])
    // the batches ran one after the other: one opened every alert, the other found them open
    expect([a.length, b.length].sort()).toEqual([0, cabinets.length])
    for (const c of cabinets) {
      const alerts = await observer.query('SELECT id FROM alerts WHERE cabinet = $1', [c])
      expect(alerts.rows).toHaveLength(1)
      expect((await new PgLiveStateStore(observer).get(c))?.door).toBe('open')
    }
  })

  it('leaves nothing of a batch when one of its cabinets fails', async () => {
    const cabinets = ['AED-1201', 'AED-1202', 'AED-1203']
    await expect(
      new PgStateTransaction(workerA).withCabinets(
        cabinets,
        async (unitOf) => {
          for (const c of cabinets) {
            if (c === 'AED-1203') throw new Error('the third cabinet failed')
            await handleDoorOpen(unitOf(c), c, 'a', NOW)
          }
        },
        NOW,
      ),
    ).rejects.toThrow('the third cabinet failed')
    const left = await observer.query('SELECT count(*)::int AS n FROM alerts WHERE cabinet = ANY($1)', [
      cabinets,
    ])
    expect(left.rows[0]?.n).toBe(0)
    const states = await observer.query('SELECT count(*)::int AS n FROM live_state WHERE cabinet = ANY($1)', [
      cabinets,
    ])
    expect(states.rows[0]?.n).toBe(0)
  })

  it('without the cabinet lock both workers see no open alert, and only the unique index stops the second', async () => {
    // the control for the test above: the race it guards against is real
    let arrived = 0
    let release: () => void = () => {}
    const bothRead = new Promise<void>((r) => {
      release = r
    })
    const barrier = async () => {
      if (++arrived === 2) release()
      await bothRead
    }
    const unlocked = (pool: pg.Pool, worker: string) =>
      withTransaction(pool, (client) =>
        handleDoorOpen(
          {
            client,
            live: new PgLiveStateStore(client),
            alerts: new PgAlertStore(client),
            deliveries: new PgDeliveryStore(client),
          },
          'AED-2001',
          worker,
          NOW,
          barrier,
        ),
      )
    const [a, b] = await Promise.allSettled([unlocked(workerA, 'a'), unlocked(workerB, 'b')])
    const refused = [a, b].filter((r) => r.status === 'rejected')
    expect(refused).toHaveLength(1)
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: '23505' })
    const alerts = await observer.query(`SELECT id FROM alerts WHERE cabinet = 'AED-2001'`)
    expect(alerts.rowCount).toBe(1)
  })

  it('leaves nothing half-written when a worker dies mid-transaction, and the waiting worker goes on', async () => {
    const cabinet = 'AED-3001'
    let pidA = 0
    let wroteA: () => void = () => {}
    const aWrote = new Promise<void>((r) => {
      wroteA = r
    })
    let dead: () => void = () => {}
    const aDead = new Promise<void>((r) => {
      dead = r
    })
    const a = new PgStateTransaction(workerA).withCabinet(cabinet, async (u) => {
      pidA = (await u.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0
      await handleDoorOpen(u, cabinet, 'a', NOW)
      wroteA()
      await aDead
      // the worker's next statement finds its connection gone
      await u.alerts.setKv(`hold:${cabinet}`, { by: 'a' })
    })
    const aSettled = a.then(
      () => 'committed',
      (err: Error) => err.message,
    )
    await aWrote
    const b = new PgStateTransaction(workerB).withCabinet(cabinet, (u) =>
      handleDoorOpen(u, cabinet, 'b', NOW + 1),
    )
    await until(async () => {
      const { rows } = await observer.query<{ n: number }>(
        `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND NOT granted`,
        [LOCK_SPACE.cabinet],
      )
      return rows[0]?.n === 1
    })
    await observer.query('SELECT pg_terminate_backend($1)', [pidA])
    dead()
    expect(await aSettled).not.toBe('committed')
    expect(await b).toBe(`al_b_${cabinet}`)

    const alerts = await observer.query('SELECT id FROM alerts WHERE cabinet = $1', [cabinet])
    expect(alerts.rows).toEqual([{ id: `al_b_${cabinet}` }])
    const fromA = await observer.query(
      `SELECT (SELECT count(*) FROM alert_transitions WHERE alert_id = $1) +
              (SELECT count(*) FROM alert_deliveries WHERE id LIKE $1 || '%') +
              (SELECT count(*) FROM alert_kv WHERE key = $2) AS n`,
      [`al_a_${cabinet}`, `hold:${cabinet}`],
    )
    expect(fromA.rows[0].n).toBe(0)
    expect((await new PgLiveStateStore(observer).get(cabinet))?.state_ms).toBe(NOW + 1)
  })

  it('sends one door-open once to the webhook, also when the worker that sent it dies before recording it', async () => {
    const received: string[] = []
    const receiver: Server = createServer((req, res) => {
      received.push(String(req.headers['idempotency-key']))
      req.resume()
      req.on('end', () => res.writeHead(200).end('ok'))
    })
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
    const webhook = new WebhookNotifier({
      name: 'webhook',
      url,
      secret: null,
      timeoutMs: 5000,
      clock: () => NOW,
    })
    // worker A's sender has a pool of its own, which "dies" with it
    const senderA = createPgPool({ url: dbUrl, applicationName: 'sender-a' })
    try {
      const cabinet = 'AED-4001'
      const decided = await Promise.all([
        new PgStateTransaction(workerA).withCabinet(cabinet, (u) => handleDoorOpen(u, cabinet, 'a', NOW)),
        new PgStateTransaction(workerB).withCabinet(cabinet, (u) => handleDoorOpen(u, cabinet, 'b', NOW)),
      ])
      const alertId = decided.find((d) => d !== null)
      const send = async (d: { payload: string }) => webhook.send(JSON.parse(d.payload) as Notification)

      const key = `${alertId}:open/webhook`
      const mine = <T extends { id: string }>(ds: T[]) => ds.filter((d) => d.id.includes(cabinet))
      const claimedByA = mine(await new PgDeliveryStore(senderA).claimDue(NOW, 100, 30_000))
      expect(claimedByA.map((d) => d.id)).toEqual([key])
      expect(await send(claimedByA[0] as { payload: string })).toEqual({ ok: true })
      await senderA.end() // gone before recording the delivery

      const b = new PgDeliveryStore(workerB)
      expect(mine(await b.claimDue(NOW + 1, 100, 30_000))).toEqual([])
      const [again] = mine(await b.claimDue(NOW + 30_000, 100, 30_000))
      expect(again).toBeDefined()
      expect(await send(again as { payload: string })).toEqual({ ok: true })
      await b.delivered(key)
      expect(mine(await b.claimDue(NOW + 600_000, 100, 30_000))).toEqual([])

      // the receiver got the one door-open twice under one key, and drops the repeat
      expect(received).toEqual([`${alertId}:open`, `${alertId}:open`])
      expect(new Set(received).size).toBe(1)
      expect(await b.stateOf(key)).toBe('delivered')
    } finally {
      await senderA.end().catch(() => {})
      await new Promise((r) => receiver.close(r))
    }
  })

  it('holds a job lease on one worker at a time and passes it on when the holder dies', async () => {
    const leaseA = new LeaderLease(workerA, 'bkkhdc-build')
    const leaseB = new LeaderLease(workerB, 'bkkhdc-build')
    const otherJobB = new LeaderLease(workerB, 'escalations')
    try {
      expect(await Promise.all([leaseA.tryAcquire(), leaseA.tryAcquire()])).toEqual([true, true])
      expect(await leaseB.tryAcquire()).toBe(false)
      expect(await leaseB.runIfLeader(async () => 'built by b')).toEqual({ ran: false })
      expect(await leaseA.runIfLeader(async () => 'built by a')).toEqual({ ran: true, value: 'built by a' })
      expect(await otherJobB.tryAcquire()).toBe(true)

      const { rows } = await observer.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)
         WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.granted AND a.application_name = 'worker-a'`,
        [LOCK_SPACE.lease],
      )
      expect(rows).toHaveLength(1)
      await observer.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid])
      await until(async () => !leaseA.held)
      await until(() => leaseB.tryAcquire())
      expect(leaseB.held).toBe(true)
      expect(await leaseA.tryAcquire()).toBe(false)

      await leaseB.release()
      expect(await leaseA.tryAcquire()).toBe(true)
      expect(await leaseB.tryAcquire()).toBe(false)
    } finally {
      await Promise.all([leaseA.release(), leaseB.release(), otherJobB.release()])
    }
  })
})

/** Polls `check` until it holds; fails after many tries (no timing is asserted). */
async function until(check: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('condition not reached')
}
