import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { brokerAuthRoutes } from '../../gateway/api/routes/broker-auth.ts'
import { createLogger } from '../../gateway/lib/logger.ts'
import { SecretHasher } from '../../gateway/lib/secrets.ts'
import { registrationSchema } from '../../gateway/protocol/registration.ts'
import { Registry } from '../../gateway/registry/registry.ts'
import { SqliteRegistryStore } from '../../gateway/registry/sqlite/registry-store.ts'
import { STATE_DB_MIGRATIONS } from '../../gateway/state-db-migrations.ts'
import { openStateDb } from '../../gateway/store/database.ts'

export interface Cabinet {
  id: string
  secret: string
}

export interface AuthServer {
  /** Base URL for rabbitmq_auth_backend_http's paths. */
  url: string
  cabinets: Cabinet[]
  /** Requests answered, by path and answer (shows what the broker's cache saves). */
  calls: Record<string, number>
  /** Parameter names the broker sent, by path (values are left out: one is a password). */
  parameters: Record<string, string[]>
  stop(): Promise<void>
}

export function cabinetId(i: number): string {
  return `BKK-1047-${String(i).padStart(5, '0')}`
}

/**
 * The gateway's registry with `count` registered cabinets, behind the broker-auth routes on a
 * free loopback port: what a RabbitMQ node asks on every cabinet login and topic.
 */
export async function startAuthServer(count: number): Promise<AuthServer> {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-cluster-auth-'))
  const db = openStateDb(dir, STATE_DB_MIGRATIONS)
  const log = createLogger('silent')
  const registry = new Registry({
    store: new SqliteRegistryStore(db),
    hasher: SecretHasher.fromDataDir(dir),
    log,
    clock: Date.now,
  })
  registry.start()
  const cabinets: Cabinet[] = []
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const reg = registrationSchema.parse({
        id: cabinetId(i),
        name: `Spike cabinet ${i}`,
        lat: 13.6683,
        lon: 100.6044,
        district_code: '1047',
      })
      cabinets.push({ id: reg.id, secret: registry.register(reg).secret })
    }
  })()
  const app: FastifyInstance = Fastify()
  const calls: Record<string, number> = {}
  const parameters: Record<string, string[]> = {}
  app.addHook('preHandler', async (req) => {
    const path = req.url.split('?')[0]!
    const names = Object.keys({ ...(req.query as object), ...((req.body as object) ?? {}) })
    parameters[path] = [...new Set([...(parameters[path] ?? []), ...names])].sort()
  })
  app.addHook('onSend', async (req, _reply, payload) => {
    const key = `${req.url.split('?')[0]} ${String(payload)}`
    calls[key] = (calls[key] ?? 0) + 1
    return payload
  })
  await brokerAuthRoutes(app, registry)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    url: `http://127.0.0.1:${port}/internal/broker-auth`,
    cabinets,
    calls,
    parameters,
    async stop() {
      await app.close()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
