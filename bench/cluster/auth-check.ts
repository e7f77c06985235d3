/**
 * Checks cabinet login and topic authorisation end to end on a real three-node RabbitMQ 3.10
 * cluster whose nodes ask the gateway's broker-auth routes (through the cache backend).
 *
 *   npx tsx bench/cluster/auth-check.ts
 *
 * Prints one JSON line (also appended to bench/results/cluster/auth-check.jsonl): each case with what the broker did, and what it asked the endpoint.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import mqtt, { type IClientOptions } from 'mqtt'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { startRabbitSpike } from './rabbitmq-spike.ts'

const b = await startRabbitSpike(3)
const [me, other] = [b.cabinets[0]!, b.cabinets[1]!]
const url = `mqtt://127.0.0.1:${b.mqtt[1]!.port}`
const results: Record<string, unknown> = {}

async function tryConnect(opts: IClientOptions): Promise<mqtt.MqttClient | string> {
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

/** A QoS 1 publish: PUBACK, or the connection closed without one. */
function publish(c: mqtt.MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('no PUBACK within 5 s'), 5000)
    c.once('close', () => resolve('connection closed, no PUBACK'))
    c.publish(topic, '{"seq":1}', { qos: 1 }, (err) => {
      clearTimeout(t)
      resolve(err ? `error: ${err.message}` : 'PUBACK')
    })
  })
}

/** A QoS 1 SUBSCRIBE: the granted QoS, 128 (refused), or the connection closed. */
async function subscribe(c: mqtt.MqttClient, topic: string): Promise<string> {
  try {
    const [grant] = await c.subscribeAsync(topic, { qos: 1 })
    return `SUBACK ${grant?.qos}`
  } catch (err) {
    return `no SUBACK: ${(err as Error).message}`
  }
}

try {
  const wrong = await tryConnect({ clientId: me.id, username: me.id, password: 'not-the-secret' })
  results.wrong_secret = typeof wrong === 'string' ? wrong : 'connected (!)'
  const spoof = await tryConnect({ clientId: other.id, username: me.id, password: me.secret })
  if (typeof spoof === 'string') results.client_id_of_another = spoof
  else {
    results.client_id_of_another = `connected; own heartbeat: ${await publish(spoof, cabinetTopic(me.id, 'heartbeat'))}`
    await spoof.endAsync(true)
  }
  const good = await tryConnect({ clientId: me.id, username: me.id, password: me.secret })
  if (typeof good === 'string') throw new Error(`right secret refused: ${good}`)
  results.own_heartbeat = await publish(good, cabinetTopic(me.id, 'heartbeat'))
  results.subscribe_own_cmd = await subscribe(good, cabinetTopic(me.id, 'cmd'))
  results.subscribe_another_cabinets_cmd = await subscribe(good, cabinetTopic(other.id, 'cmd'))
  await good.endAsync(true)
  const next = await tryConnect({ clientId: me.id, username: me.id, password: me.secret })
  if (typeof next === 'string') throw new Error(`right secret refused: ${next}`)
  const callsBefore = { ...(b.notes().auth_calls as Record<string, number>) }
  results.publish_to_another_cabinet = await publish(next, cabinetTopic(other.id, 'heartbeat'))
  await next.endAsync(true)
  const again = await tryConnect({ clientId: me.id, username: me.id, password: me.secret })
  if (typeof again !== 'string') await again.endAsync(true)
  const callsAfter = b.notes().auth_calls as Record<string, number>
  results.http_calls_for_a_second_login_within_ttl =
    (callsAfter['/internal/broker-auth/user allow'] ?? 0) -
    (callsBefore['/internal/broker-auth/user allow'] ?? 0)
  results.endpoint = b.notes()
} finally {
  await b.stop()
}
const line = JSON.stringify({ at: new Date().toISOString(), ...results })
mkdirSync('bench/results/cluster', { recursive: true })
appendFileSync('bench/results/cluster/auth-check.jsonl', `${line}\n`)
process.stdout.write(`${line}\n`)
process.exit(0)
