import type { FastifyInstance } from 'fastify'
import { CABINET_ID_RE, COMMAND_LEAF, PUBLISH_LEAVES } from '../../protocol/topics.ts'
import type { Registry } from '../../registry/registry.ts'

/**
 * The internal endpoint a RabbitMQ cluster asks, through rabbitmq_auth_backend_http (behind
 * rabbitmq_auth_backend_cache), who may connect and what a cabinet may touch: the same rules as
 * the gateway's own broker (gateway/broker/auth.ts), answered from the registry.
 *
 * Each route answers the plain-text body `allow` or `deny` with status 200, as the backend
 * expects (rabbitmq-server deps/rabbitmq_auth_backend_http README); parameters arrive as a query
 * string (GET) or a form body (POST, `auth_http.http_method = post`). Only cabinets are answered
 * here: the gateway's own AMQP account lives in RabbitMQ's internal backend, listed first.
 *
 * The MQTT plugin maps topic levels to routing-key words (`/` becomes `.`), so a cabinet's
 * `aed/v1/{id}/heartbeat` is checked as routing key `aed.v1.{id}.heartbeat` on `amq.topic`.
 */

export type BrokerAuthRequest = Record<string, string | undefined>

type Lookup = Pick<Registry, 'get' | 'verifySecret'>

const EXCHANGE = 'amq.topic'
const VHOST = '/'

function activeCabinet(registry: Lookup, id: string | undefined): id is string {
  if (id === undefined || !CABINET_ID_RE.test(id)) return false
  const cabinet = registry.get(id)
  return cabinet !== undefined && !cabinet.retired
}

/** A client id, when the broker sends one, must be the cabinet id (as on the gateway's broker). */
function clientIdMatches(q: BrokerAuthRequest): boolean {
  const clientId = q.client_id ?? q['variable_map.client_id']
  return clientId === undefined || clientId === q.username
}

export function decideUser(registry: Lookup, q: BrokerAuthRequest): boolean {
  if (!activeCabinet(registry, q.username) || q.password === undefined) return false
  if (!clientIdMatches(q)) return false
  return registry.verifySecret(q.username, q.password)
}

export function decideVhost(registry: Lookup, q: BrokerAuthRequest): boolean {
  return activeCabinet(registry, q.username) && q.vhost === VHOST && clientIdMatches(q)
}

/**
 * Exchanges and queues: a cabinet publishes to and binds from `amq.topic`, and owns the queues
 * the MQTT plugin makes for its subscription (`mqtt-subscription-{client id}qos0|qos1`).
 */
export function decideResource(registry: Lookup, q: BrokerAuthRequest): boolean {
  const id = q.username
  if (!activeCabinet(registry, id) || q.vhost !== VHOST) return false
  if (q.resource === 'exchange')
    return q.name === EXCHANGE && (q.permission === 'write' || q.permission === 'read')
  if (q.resource === 'queue')
    return q.name === `mqtt-subscription-${id}qos0` || q.name === `mqtt-subscription-${id}qos1`
  return false
}

/** Topics: publish under its own id (heartbeat, event, status), subscribe to its own cmd only. */
export function decideTopic(registry: Lookup, q: BrokerAuthRequest): boolean {
  const id = q.username
  if (!activeCabinet(registry, id) || q.vhost !== VHOST || q.name !== EXCHANGE) return false
  if (!clientIdMatches(q)) return false
  const key = q.routing_key
  if (q.permission === 'write') return PUBLISH_LEAVES.some((leaf) => key === `aed.v1.${id}.${leaf}`)
  if (q.permission === 'read') return key === `aed.v1.${id}.${COMMAND_LEAF}`
  return false
}

const DECISIONS = {
  user: decideUser,
  vhost: decideVhost,
  resource: decideResource,
  topic: decideTopic,
} as const

function params(raw: unknown): BrokerAuthRequest {
  const out: BrokerAuthRequest = {}
  if (raw && typeof raw === 'object')
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v
  return out
}

/**
 * Registers GET and POST `{prefix}/user|vhost|resource|topic`. Not for the public network: the
 * broker nodes reach it on the gateway's internal address.
 */
export async function brokerAuthRoutes(
  app: FastifyInstance,
  registry: Lookup,
  prefix = '/internal/broker-auth',
): Promise<void> {
  await app.register(
    async (scope) => {
      // the backend POSTs an HTML form; parsed only inside this scope
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
      )
      for (const [path, decide] of Object.entries(DECISIONS)) {
        const schema = { hide: true }
        scope.get(`/${path}`, { schema }, async (req, reply) =>
          reply.type('text/plain').send(decide(registry, params(req.query)) ? 'allow' : 'deny'),
        )
        scope.post(`/${path}`, { schema }, async (req, reply) =>
          reply.type('text/plain').send(decide(registry, params(req.body)) ? 'allow' : 'deny'),
        )
      }
    },
    { prefix },
  )
}
