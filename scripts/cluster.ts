/**
 * `npm run cluster`: cluster mode on this machine (docs/cluster.md). Starts three RabbitMQ nodes,
 * PostgreSQL 15, InfluxDB and two gateway workers on loopback, registers a simulated fleet in
 * PostgreSQL, prints where to look and how to run the simulator against the three nodes; Ctrl-C
 * stops everything and removes its temporary folders.
 *
 *   npm run cluster [-- --cabinets N] [--workers N] [--base-port P] [--seed K]
 */
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { buildFleet } from '../firmware-sim/fleet.ts'
import { SecretStore } from '../firmware-sim/registration.ts'
import { createPgPool } from '../gateway/lib/postgres/db.ts'
import { SecretHasher } from '../gateway/lib/secrets.ts'
import { registerInPostgres } from '../gateway/wiring/registry-mirror.ts'
import { startStack } from './cluster/stack.ts'

const SECRETS_FILE = '.data/cluster/cabinet-secrets.json'
/** The simulator's secrets-file scope for this cluster (its --api-url). */
const SCOPE = 'cluster'

const { values } = parseArgs({
  options: {
    cabinets: { type: 'string', default: '50' },
    workers: { type: 'string', default: '2' },
    'base-port': { type: 'string', default: '25100' },
    seed: { type: 'string', default: '1' },
  },
})
const cabinets = Number(values.cabinets)
const seed = Number(values.seed)
const say = (line: string) => process.stdout.write(`${line}\n`)

say('cluster: starting PostgreSQL, InfluxDB, three RabbitMQ nodes (about a minute) and the workers…')
// the workers' public API: AEDGW_ADMIN_TOKEN if set, else one made for this run and printed
const adminToken = process.env.AEDGW_ADMIN_TOKEN ?? `aedgw_${randomBytes(24).toString('base64url')}`
const stack = await startStack({
  workers: Number(values.workers),
  basePort: Number(values['base-port']),
  env: { AEDGW_ADMIN_TOKEN: adminToken },
  configYaml: 'cluster:\n  registry_refresh_ms: 1000\n',
})
let stopping = false
const stop = async (signal: string) => {
  if (stopping) return
  stopping = true
  say(`\ncluster: ${signal}, stopping everything…`)
  await stack.stop()
  say('cluster: stopped')
  process.exit(0)
}
process.on('SIGINT', () => void stop('SIGINT'))
process.on('SIGTERM', () => void stop('SIGTERM'))

// the simulator's fleet (same ids for the same --cabinets and --seed), registered in PostgreSQL
const pool = createPgPool({ url: stack.postgresUrl, max: 4 })
const hasher = new SecretHasher(stack.hashKey)
const store = new SecretStore(SECRETS_FILE, SCOPE)
for (const spec of buildFleet({ count: cabinets, seed, intervalS: 60 }))
  store.set(spec.registration.id, await registerInPostgres(pool, hasher, spec.registration, Date.now()))
store.save()
await pool.end()

const brokers = stack.mqttUrls.join(',')
say(`
cluster: up. Ctrl-C stops all.

  MQTT (cabinets)     ${stack.mqttUrls.join('  ')}
  AMQP (workers)      ${stack.nodes.map((n) => `127.0.0.1:${n.amqpPort}`).join('  ')}   queue aed.ingest (quorum)
  PostgreSQL          ${stack.postgresUrl}
  InfluxDB            ${stack.influxUrl}   database ${stack.influxDb}
  Grafana datasource  InfluxDB (InfluxQL), URL ${stack.influxUrl}, database ${stack.influxDb}
                      (point dashboards/ at it: docs/grafana.md)
  workers             ${stack.workers.map((w) => `http://127.0.0.1:${w.internalPort}/readyz  /metrics`).join('\n                      ')}
  REST API            ${stack.workers.map((w) => `http://127.0.0.1:${w.apiPort}/api/v1/alerts`).join('  ')}
                      admin token ${adminToken} (any worker answers; docs/cluster.md)

  ${cabinets} cabinets registered (seed ${seed}); their secrets in ${SECRETS_FILE}.
  Run the simulator against the three nodes:

    npm run sim -- --broker ${brokers} --registered \\
      --api-url ${SCOPE} --secrets-file ${SECRETS_FILE} --cabinets ${cabinets} --seed ${seed} --interval 10

  Kill a node to watch cabinets move:  kill -9 ${stack.beamPid(0) ?? '<beam pid of n1>'}   (n1)
  Kill a worker:                       kill -9 ${stack.workers[0]?.process.pid ?? '<pid>'}`)
