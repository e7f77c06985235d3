import { rmSync } from 'node:fs'
import { connect as netConnect } from 'node:net'
import mqtt, { MqttClient } from 'mqtt'
import {
  DEFAULTS,
  natsNodes,
  natsPid,
  startNatsCluster,
  stopNatsCluster,
} from '../../scripts/cluster/nats.ts'
import { type Cabinet, cabinetId } from './auth-server.ts'
import { type Delivered, parseHeartbeat, type SpikeBroker } from './spike-broker.ts'

/** MQTT QoS 1 messages are stored by the server in this JetStream stream (server/mqtt.go). */
const MQTT_MSGS = '$MQTT_msgs'

interface Jsz {
  account_details?: { stream_detail?: { name: string; cluster?: { leader?: string } }[] }[]
}

/**
 * NATS 2.9: the MQTT server stores each QoS 1 PUBLISH in the R3 stream $MQTT_msgs with a
 * JetStream publish request and sends PUBACK only when the stream answered (server/mqtt.go
 * mqttProcessPub → jsa.storeMsg, then mqttEnqueuePubAck); a clustered stream answers once the
 * entry is committed by its Raft group. The stream keeps messages only while some QoS 1
 * subscription wants them (interest retention), so the gateway holds a persistent session
 * (clean session off) subscribed before cabinets publish.
 */
export async function startNatsSpike(cabinets: number, dir = DEFAULTS.dir): Promise<SpikeBroker> {
  const o = { dir, basePort: DEFAULTS.basePort }
  await stopNatsCluster(o)
  rmSync(dir, { recursive: true, force: true })
  const nodes = await startNatsCluster(o)
  // NATS 2.9 has no HTTP auth callout (it came in 2.10): the spike runs without cabinet auth
  const creds: Cabinet[] = Array.from({ length: cabinets }, (_, i) => ({ id: cabinetId(i), secret: 'x' }))
  // the first MQTT connection creates the account's MQTT streams
  const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${nodes[2]!.mqttPort}`, {
    clientId: 'aedgw-probe',
    protocolVersion: 4,
    reconnectPeriod: 0,
  })
  await probe.endAsync()
  let consumer: MqttClient | null = null

  return {
    name: 'nats',
    mqtt: nodes.map((n) => ({ host: '127.0.0.1', port: n.mqttPort })),
    cabinets: creds,
    async leaderNode() {
      for (const n of nodes) {
        const res = await fetch(`http://127.0.0.1:${n.httpPort}/jsz?accounts=true&streams=true`).catch(
          () => null,
        )
        if (!res?.ok) continue
        const jsz = (await res.json()) as Jsz
        for (const acc of jsz.account_details ?? [])
          for (const s of acc.stream_detail ?? []) {
            const i = nodes.findIndex((x) => x.name === s.cluster?.leader)
            if (s.name === MQTT_MSGS && i >= 0) return i
          }
      }
      throw new Error(`no leader found for ${MQTT_MSGS}`)
    },
    async consume(onMessage: Delivered, avoid: number) {
      const order = [0, 1, 2].filter((i) => i !== avoid).concat(avoid)
      let k = 0
      const client = new MqttClient(
        () => netConnect({ host: '127.0.0.1', port: nodes[order[k % order.length]!]!.mqttPort }),
        { clientId: 'aedgw-ingest', protocolVersion: 4, clean: false, reconnectPeriod: 250, keepalive: 10 },
      )
      client.on('close', () => {
        k++
      })
      client.on('error', () => undefined)
      client.on('message', (topic, payload) => {
        const hb = parseHeartbeat(topic, payload)
        if (hb) onMessage(hb.id, hb.seq)
      })
      await new Promise<void>((resolve) => client.once('connect', () => resolve()))
      await client.subscribeAsync('aed/v1/+/heartbeat', { qos: 1 })
      consumer = client
    },
    pid: (i) => natsPid(nodes[i]!),
    async stop() {
      const c = consumer as MqttClient | null
      await c?.endAsync(true).catch(() => undefined)
      await stopNatsCluster(o)
    },
    notes: () => ({ stream: `${MQTT_MSGS} (R3, interest retention)`, cabinet_auth: 'none (2.9)' }),
  }
}

export { natsNodes }
