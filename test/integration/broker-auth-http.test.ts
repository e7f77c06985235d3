import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { brokerAuthRoutes } from '../../gateway/api/routes/broker-auth.ts'
import { createLogger } from '../../gateway/lib/logger.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { Registry } from '../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../gateway/registry/sqlite/registry-store.ts'
import { STATE_DB_MIGRATIONS } from '../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../gateway/store/database.ts'

// Requests shaped as rabbitmq_auth_backend_http 3.10 sends them with `http_method = post`:
// an x-www-form-urlencoded body; topic checks from the MQTT plugin carry the routing key
// (topic levels joined by dots) and a variable_map with the client id.

const ME = 'BKK-1047-0007'
const OTHER = 'BKK-1047-0008'

describe('the broker-auth endpoint for rabbitmq_auth_backend_http', () => {
  let dir: string
  let db: Database.Database
  let registry: Registry
  let app: FastifyInstance
  let secret: string

  const ask = async (path: string, form: Record<string, string>): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: `/internal/broker-auth/${path}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    })
    expect(res.statusCode).toBe(200)
    return res.body
  }
  const topic = (permission: string, routingKey: string, user = ME, clientId = user) =>
    ask('topic', {
      username: user,
      vhost: '/',
      resource: 'topic',
      name: 'amq.topic',
      permission,
      tags: '',
      routing_key: routingKey,
      'variable_map.client_id': clientId,
      'variable_map.username': user,
      'variable_map.vhost': '/',
    })
  const resource = (kind: string, name: string, permission: string) =>
    ask('resource', { username: ME, vhost: '/', resource: kind, name, permission, tags: '' })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-broker-auth-'))
    db = openStateDb(dir, STATE_DB_MIGRATIONS)
    registry = new Registry({
      store: new SqliteRegistryStore(db),
      hasher: SecretHasher.fromDataDir(dir),
      log: createLogger('silent'),
      clock: Date.now,
    })
    registry.start()
    const reg = { name: 'Bang Na District Office', lat: 13.6683, lon: 100.6044, district_code: '1047' }
    secret = registry.register({ id: ME, ...reg }).secret
    registry.register({ id: OTHER, ...reg })
    registry.register({ id: 'BKK-1047-0009', ...reg })
    registry.retire('BKK-1047-0009')
    app = Fastify()
    await brokerAuthRoutes(app, registry)
    await app.ready()
  })
  afterAll(async () => {
    await app.close()
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lets a registered cabinet log in with its secret and no one with a wrong one', async () => {
    expect(await ask('user', { username: ME, password: secret })).toBe('allow')
    expect(await ask('user', { username: ME, password: `${secret}x` })).toBe('deny')
    expect(await ask('user', { username: ME })).toBe('deny')
    expect(await ask('user', { username: 'BKK-1047-9999', password: secret })).toBe('deny')
    expect(await ask('user', { username: 'guest', password: 'guest' })).toBe('deny')
  })

  it('refuses a retired cabinet and a secret that was rotated away', async () => {
    const old = registry.rotateSecret(OTHER)
    const fresh = registry.rotateSecret(OTHER)
    expect(await ask('user', { username: OTHER, password: old })).toBe('deny')
    expect(await ask('user', { username: OTHER, password: fresh })).toBe('allow')
    expect(await ask('vhost', { username: 'BKK-1047-0009', vhost: '/' })).toBe('deny')
  })

  it('refuses a login whose client id is not the cabinet id', async () => {
    expect(await ask('user', { username: ME, password: secret, client_id: OTHER })).toBe('deny')
    expect(await ask('user', { username: ME, password: secret, client_id: ME })).toBe('allow')
  })

  it('opens only the default vhost', async () => {
    expect(await ask('vhost', { username: ME, vhost: '/', ip: '127.0.0.1', tags: '' })).toBe('allow')
    expect(await ask('vhost', { username: ME, vhost: 'ops', ip: '127.0.0.1', tags: '' })).toBe('deny')
  })

  it('grants amq.topic and the cabinet’s own subscription queues, nothing else', async () => {
    expect(await resource('exchange', 'amq.topic', 'write')).toBe('allow')
    expect(await resource('exchange', 'amq.topic', 'read')).toBe('allow')
    expect(await resource('exchange', 'amq.topic', 'configure')).toBe('deny')
    expect(await resource('exchange', 'amq.direct', 'write')).toBe('deny')
    expect(await resource('queue', `mqtt-subscription-${ME}qos1`, 'configure')).toBe('allow')
    expect(await resource('queue', `mqtt-subscription-${OTHER}qos1`, 'read')).toBe('deny')
    expect(await resource('queue', 'aed.ingest', 'read')).toBe('deny')
  })

  it('lets a cabinet publish under its own id and read only its own cmd topic', async () => {
    for (const leaf of ['heartbeat', 'event', 'status'])
      expect(await topic('write', `aed.v1.${ME}.${leaf}`)).toBe('allow')
    expect(await topic('write', `aed.v1.${ME}.cmd`)).toBe('deny')
    expect(await topic('write', `aed.v1.${OTHER}.heartbeat`)).toBe('deny')
    expect(await topic('write', `aed.v1.${ME}.heartbeat.extra`)).toBe('deny')
    expect(await topic('read', `aed.v1.${ME}.cmd`)).toBe('allow')
    expect(await topic('read', `aed.v1.${OTHER}.cmd`)).toBe('deny')
    expect(await topic('read', 'aed.v1.*.cmd')).toBe('deny')
    expect(await topic('read', 'aed.v1.#')).toBe('deny')
  })

  it('refuses a topic check made for another client id', async () => {
    expect(await topic('write', `aed.v1.${ME}.heartbeat`, ME, OTHER)).toBe('deny')
  })

  it('answers GET with a query string the same way as POST', async () => {
    const q = new URLSearchParams({ username: ME, password: secret }).toString()
    const ok = await app.inject({ method: 'GET', url: `/internal/broker-auth/user?${q}` })
    expect(ok.body).toBe('allow')
    const bad = await app.inject({
      method: 'GET',
      url: `/internal/broker-auth/user?username=${ME}&password=no`,
    })
    expect(bad.body).toBe('deny')
  })
})
