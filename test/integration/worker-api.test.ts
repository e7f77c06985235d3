// The public REST API in worker mode (docs/cluster.md) against a real PostgreSQL 15 and the run's InfluxDB: two
// workers built by the worker's own wiring (buildWorker), each with its own pool, API listener
// and delivery sender, and a real webhook receiver. No broker: a message reaches a worker's
// ingest as the AMQP consumer hands it over (routing key and body), and the worker acks it only
// after its transaction committed, as under RabbitMQ.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PgTokenStore } from '../../gateway/api/postgres/token-store.ts'
import type { Role } from '../../gateway/api/roles.ts'
import { tokenHash } from '../../gateway/api/tokens.ts'
import { loadConfig } from '../../gateway/config/load.ts'
import { runPgMigrations } from '../../gateway/lib/postgres/migrations.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { postgresMigrations } from '../../gateway/wiring/postgres-migrations.ts'
import { registerInPostgres } from '../../gateway/wiring/registry-mirror.ts'
import { buildWorker, type WorkerGraph } from '../../gateway/wiring/worker.ts'
import { type Postgres, postgresAvailable, startTempPostgres } from '../../scripts/lib/postgres.ts'
import { HttpReceiver } from '../helpers/receivers.ts'

const log = pino({ level: 'silent' })
const ADMIN = `admin-${randomBytes(16).toString('hex')}`
const MAINTAINER = `maint-${randomBytes(16).toString('hex')}`
const VIEWER = `viewer-${randomBytes(16).toString('hex')}`
let server: Postgres
let dir: string
const hook = new HttpReceiver()
const workers: WorkerGraph[] = []
let urlA = ''
let urlB = ''

async function call(base: string, method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

/** Hands a message to the worker's ingest as the AMQP consumer would; resolves once it is acked. */
function deliver(
  w: WorkerGraph,
  cabinet: string,
  leaf: 'heartbeat' | 'event',
  payload: object,
): Promise<void> {
  return new Promise((resolve) => {
    w.ingest.onMessage({
      routingKey: `aed.v1.${cabinet}.${leaf}`,
      content: Buffer.from(JSON.stringify(payload)),
      redelivered: false,
      ack: () => resolve(),
    })
  })
}

let seq = 0
async function doorOpen(w: WorkerGraph, cabinet: string): Promise<void> {
  const ts = Date.now()
  await deliver(w, cabinet, 'event', { ts, seq: ++seq, type: 'door_open' })
  await deliver(w, cabinet, 'heartbeat', {
    ts: ts + 1,
    seq: ++seq,
    battery_pct: 90,
    pad_expiry: '2029-01-01',
    door: 'open',
  })
}

async function openAlert(base: string, cabinet: string) {
  const r = await call(base, 'GET', `/api/v1/alerts?state=open&cabinet=${cabinet}`, VIEWER)
  expect(r.status).toBe(200)
  return r.body.items as Array<Record<string, any>>
}

async function startWorker(
  dataDir: string,
  pgUrl: string,
  webhook: string,
): Promise<{ g: WorkerGraph; url: string }> {
  const config = loadConfig(
    {},
    {
      mode: 'worker',
      data_dir: dataDir,
      influx: { url: inject('influxUrl'), db: 'worker_api' },
      api: { admin_token: ADMIN },
      alerts: { webhook: { url: webhook, secret: 'worker-api-secret' } },
      cluster: {
        postgres_url: pgUrl,
        delivery_poll_ms: 50,
        batch_wait_ms: 1,
        auth: { bind: '127.0.0.1', port: null },
        api: { bind: '127.0.0.1', port: 0, token_cache_ms: 0 },
      },
    },
  )
  const g = await buildWorker(config, { log, clock: Date.now })
  workers.push(g)
  await g.outbox.start()
  await runPgMigrations(g.pool, postgresMigrations)
  await g.registry.start()
  await g.influx.ensureDatabase()
  g.sender.start()
  await g.api.start()
  return { g, url: `http://127.0.0.1:${g.api.port}` }
}

const CABINETS = ['BKK-1001-0101', 'BKK-1001-0102', 'BKK-1001-0103']

describe.runIf(postgresAvailable())('worker mode: the public REST API over PostgreSQL, two workers', () => {
  beforeAll(async () => {
    server = await startTempPostgres()
    const pgUrl = await server.createDatabase('worker_api')
    dir = mkdtempSync(join(tmpdir(), 'aedgw-worker-api-'))
    // every worker's data dir holds the same hash.key (docs/cluster.md)
    const key = randomBytes(32)
    const webhook = `${await hook.start()}/hook`
    const dirs = ['a', 'b'].map((n) => {
      const d = join(dir, n)
      mkdirSync(d)
      writeFileSync(join(d, 'hash.key'), key, { mode: 0o600 })
      return d
    })
    const a = await startWorker(dirs[0] as string, pgUrl, webhook)
    const b = await startWorker(dirs[1] as string, pgUrl, webhook)
    urlA = a.url
    urlB = b.url
    const hasher = new SecretHasher(key)
    for (const id of CABINETS)
      await registerInPostgres(
        a.g.pool,
        hasher,
        { id, name: `Cabinet ${id}`, lat: 13.75, lon: 100.5, district_code: '1001' } as never,
        Date.now(),
      )
    await Promise.all(workers.map((w) => w.registry.refresh()))
    const tokens = new PgTokenStore(a.g.pool)
    const add = (token: string, name: string, role: Role) =>
      tokens.insert(tokenHash(hasher, token), name, role, new Date().toISOString(), null)
    await add(MAINTAINER, 'team-north', 'maintainer')
    await add(VIEWER, 'city-dashboard', 'viewer')
  })
  afterAll(async () => {
    for (const g of workers) {
      await g.api.stop()
      await g.sender.stop()
      await g.ingest.stop()
      g.registry.stop()
      await g.outbox.stop()
      await g.pool.end()
    }
    await hook.stop()
    await server?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it("acknowledges and resolves through worker B's API an alert a door-open opened through worker A", async () => {
    const cabinet = CABINETS[0] as string
    await doorOpen(workers[0] as WorkerGraph, cabinet)
    const [alert] = await openAlert(urlB, cabinet)
    expect(alert).toMatchObject({ cabinet_id: cabinet, type: 'door_open', state: 'active' })
    const firing = await hook.received(1)
    expect(JSON.parse(firing[0]?.body ?? '{}')).toMatchObject({ status: 'firing' })

    const cab = await call(urlB, 'GET', `/api/v1/cabinets/${cabinet}`, VIEWER)
    expect(cab.status).toBe(200)
    expect(cab.body.live.door).toBe('open')
    expect(cab.body.live.reasons.map((r: { code: string }) => r.code)).toContain('door_open')
    const list = await call(urlA, 'GET', '/api/v1/cabinets', VIEWER)
    expect(list.body.count).toBe(CABINETS.length)

    const ack = await call(urlB, 'POST', `/api/v1/alerts/${alert?.id}/ack`, MAINTAINER, { by: 'somchai' })
    expect(ack.status).toBe(200)
    expect(ack.body).toMatchObject({
      state: 'acknowledged',
      acknowledged_by: 'somchai via team-north (maintainer)',
    })
    const resolved = await call(urlB, 'POST', `/api/v1/alerts/${alert?.id}/resolve`, MAINTAINER, {
      comment: 'door closed by the guard',
    })
    expect(resolved.status).toBe(200)
    expect(resolved.body.state).toBe('resolved')
    const both = await hook.received(2)
    expect(both.map((r) => JSON.parse(r.body).status)).toEqual(['firing', 'resolved'])

    const seen = await call(urlA, 'GET', `/api/v1/alerts/${alert?.id}`, VIEWER)
    expect(seen.body.transitions.map((t: { kind: string }) => t.kind)).toEqual([
      'open',
      'acknowledge',
      'resolve',
    ])
    // a second resolve is refused as in embedded mode
    const again = await call(urlA, 'POST', `/api/v1/alerts/${alert?.id}/resolve`, MAINTAINER, {})
    expect(again).toMatchObject({ status: 409, body: { error: 'AEDGW_ERR_ALERT_RESOLVED' } })
    // the door is still open: the same occurrence does not open a new alert after a person resolved it
    await deliver(workers[0] as WorkerGraph, cabinet, 'heartbeat', {
      ts: Date.now(),
      seq: ++seq,
      battery_pct: 90,
      pad_expiry: '2029-01-01',
      door: 'open',
    })
    expect(await openAlert(urlA, cabinet)).toEqual([])
  })

  it('records exactly one acknowledge transition when both workers acknowledge the same alert at once', async () => {
    const cabinet = CABINETS[1] as string
    await doorOpen(workers[1] as WorkerGraph, cabinet)
    const [alert] = await openAlert(urlA, cabinet)
    const answers = await Promise.all(
      [urlA, urlB, urlA, urlB].map((u, i) =>
        call(u, 'POST', `/api/v1/alerts/${alert?.id}/ack`, MAINTAINER, { by: `tech-${i}` }),
      ),
    )
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(new Set(answers.map((a) => a.body.acknowledged_by)).size).toBe(1)
    const { rows } = await (workers[0] as WorkerGraph).pool.query(
      `SELECT count(*)::int AS n FROM alert_transitions WHERE alert_id = $1 AND kind = 'acknowledge'`,
      [alert?.id],
    )
    expect(rows[0].n).toBe(1)
  })

  it('refuses by token and role as embedded mode does, and answers 501 for what only embedded mode serves', async () => {
    const id = 'al_0000doesnotexist'
    expect(await call(urlA, 'GET', '/api/v1/alerts', null)).toMatchObject({
      status: 401,
      body: { error: 'AEDGW_ERR_UNAUTHENTICATED' },
    })
    expect(await call(urlB, 'GET', '/api/v1/alerts', 'aedgw_not-a-token-we-know-of')).toMatchObject({
      status: 401,
      body: { error: 'AEDGW_ERR_UNAUTHENTICATED' },
    })
    expect(await call(urlB, 'POST', `/api/v1/alerts/${id}/ack`, VIEWER, {})).toMatchObject({
      status: 403,
      body: { error: 'AEDGW_ERR_FORBIDDEN' },
    })
    expect(await call(urlA, 'POST', '/api/v1/silences', VIEWER, {})).toMatchObject({ status: 403 })
    expect(await call(urlA, 'POST', `/api/v1/alerts/${id}/ack`, MAINTAINER, {})).toMatchObject({
      status: 404,
      body: { error: 'AEDGW_ERR_NOT_FOUND' },
    })
    expect(await call(urlA, 'GET', '/api/v1/cabinets/BKK-1001-9999', ADMIN)).toMatchObject({
      status: 404,
      body: { error: 'AEDGW_ERR_CABINET_NOT_FOUND' },
    })
    expect(await call(urlA, 'GET', '/api/v1/alerts?state=bogus', VIEWER)).toMatchObject({
      status: 400,
      body: { error: 'AEDGW_ERR_VALIDATION' },
    })
    const update = await call(urlB, 'PUT', `/api/v1/cabinets/${CABINETS[0]}`, ADMIN, {})
    expect(update).toMatchObject({ status: 501, body: { error: 'AEDGW_ERR_EMBEDDED_ONLY' } })
    expect(await call(urlB, 'GET', '/api/v1/alerts/stream', VIEWER)).toMatchObject({ status: 501 })
    // readiness: only ready or not to anyone; the checks to a token (no broker here: not ready)
    expect(await call(urlA, 'GET', '/readyz', null)).toEqual({ status: 503, body: { status: 'not_ready' } })
    const checks = await call(urlA, 'GET', '/readyz', VIEWER)
    expect(checks.body.checks).toMatchObject({ amqp_node: null })
  })

  it('registers a cabinet through one worker whose secret the other accepts, once, and lists its due pads on the work list', async () => {
    const reg = {
      id: 'BKK-1047-0200',
      name: 'Bang Na District Office',
      lat: 13.6683,
      lon: 100.6044,
      district_code: '1047',
    }
    expect(await call(urlA, 'POST', '/api/v1/cabinets', MAINTAINER, reg)).toMatchObject({ status: 403 })
    expect(await call(urlA, 'POST', '/api/v1/cabinets', ADMIN, { id: reg.id })).toMatchObject({
      status: 400,
      body: { error: 'AEDGW_ERR_VALIDATION' },
    })
    const made = await call(urlB, 'POST', '/api/v1/cabinets', ADMIN, reg)
    expect(made.status).toBe(201)
    expect(made.body.id).toBe(reg.id)
    expect((await call(urlB, 'GET', `/api/v1/cabinets/${reg.id}`, VIEWER)).body.name).toBe(reg.name)
    expect(await call(urlA, 'POST', '/api/v1/cabinets', ADMIN, reg)).toMatchObject({
      status: 409,
      body: { error: 'AEDGW_ERR_CABINET_EXISTS' },
    })
    // worker A's broker-auth accepts the secret B issued (after its registry refresh)
    const a = workers[0] as WorkerGraph
    await a.registry.refresh()
    expect(a.registry.verifySecret(reg.id, made.body.secret)).toBe(true)
    expect(a.registry.verifySecret(reg.id, 'not-the-secret-0123456789')).toBe(false)

    // its pads expire in 10 days: on the work list any worker builds from PostgreSQL
    const pads = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10)
    await deliver(a, reg.id, 'heartbeat', {
      ts: Date.now(),
      seq: ++seq,
      battery_pct: 95,
      pad_expiry: pads,
      door: 'closed',
    })
    const work = await call(urlB, 'GET', '/api/v1/maintenance?within_days=30', VIEWER)
    expect(work.status).toBe(200)
    const items = work.body.districts.flatMap((d: { items: unknown[] }) => d.items)
    expect(items).toContainEqual(expect.objectContaining({ cabinet_id: reg.id, task: 'replace_pads' }))
    expect(items.filter((i: { cabinet_id: string }) => CABINETS.includes(i.cabinet_id))).toEqual([])
  })

  it('makes an API token on one worker that the other accepts, and revokes it on the other', async () => {
    expect(await call(urlA, 'GET', '/api/v1/tokens', MAINTAINER)).toMatchObject({ status: 403 })
    const made = await call(urlA, 'POST', '/api/v1/tokens', ADMIN, {
      name: 'night-shift',
      role: 'maintainer',
    })
    expect(made.status).toBe(201)
    const token = made.body.token as string
    expect((await call(urlB, 'GET', '/api/v1/alerts', token)).status).toBe(200)
    const listed = await call(urlB, 'GET', '/api/v1/tokens', ADMIN)
    const entry = listed.body.items.find((t: { name: string }) => t.name === 'night-shift')
    expect(entry).toMatchObject({ role: 'maintainer', bootstrap: false })
    expect(JSON.stringify(listed.body)).not.toContain(token)
    const revoked = await call(urlB, 'DELETE', `/api/v1/tokens/${entry.id}`, ADMIN)
    expect(revoked).toMatchObject({ status: 200, body: { revoked: true } })
    // the test's workers remember lookups for 0 ms (cluster.api.token_cache_ms)
    expect(await call(urlA, 'GET', '/api/v1/alerts', token)).toMatchObject({
      status: 401,
      body: { error: 'AEDGW_ERR_UNAUTHENTICATED' },
    })
  })

  it("mutes, through a silence made on worker A's API, the notification worker B decides", async () => {
    const cabinet = CABINETS[2] as string
    const made = await call(urlA, 'POST', '/api/v1/silences', MAINTAINER, {
      matchers: [`cabinet=${cabinet}`],
      ends_at: new Date(Date.now() + 3_600_000).toISOString(),
      created_by: 'somchai',
      comment: 'door sensor being replaced',
    })
    expect(made.status).toBe(201)
    expect(made.body.status).toBe('active')
    const listed = await call(urlB, 'GET', '/api/v1/silences', VIEWER)
    expect(listed.body.items.map((s: { id: string }) => s.id)).toContain(made.body.id)

    await doorOpen(workers[1] as WorkerGraph, cabinet)
    const [alert] = await openAlert(urlB, cabinet)
    expect(alert?.type).toBe('door_open')
    // the notification is decided in the transaction that opened the alert: none was queued
    const { rows } = await (workers[1] as WorkerGraph).pool.query(
      `SELECT id FROM alert_deliveries WHERE id LIKE $1`,
      [`${alert?.id}:%`],
    )
    expect(rows).toEqual([])

    const expired = await call(urlB, 'DELETE', `/api/v1/silences/${made.body.id}`, MAINTAINER)
    expect(expired).toMatchObject({ status: 200, body: { id: made.body.id, status: 'expired' } })
  })
})
