import type { MqttClient } from 'mqtt'
import { expect, it } from 'vitest'
import type { Config } from '../../gateway/config/schema.ts'
import { cabinetTopic } from '../../gateway/protocol/topics.ts'
import { heartbeat, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { eventually, influxRows } from '../helpers/influx.ts'
import { record } from './report.ts'

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] }

/**
 * A live gateway with one good cabinet connected before any attack starts. After (and, for the
 * floods, during) every attack the good cabinet publishes a heartbeat and must get its PUBACK:
 * an attack passes only if it is denied AND the broker kept serving.
 */
export interface Arena {
  gw: TestGateway
  good: MqttClient
  goodId: string
  goodSecret: string
  /** Seqs the good cabinet had acknowledged. */
  acked: number[]
  /** One QoS 1 heartbeat from the good cabinet; resolves on its PUBACK. */
  stillServing(): Promise<void>
  /** Every acknowledged heartbeat of the good cabinet is in InfluxDB exactly once. */
  verifyStored(): Promise<number>
  stop(): Promise<void>
}

export async function startArena(goodId: string, overrides: DeepPartial<Config> = {}): Promise<Arena> {
  const gw = await startTestGateway(overrides)
  const goodSecret = await gw.register(goodId)
  const good = await gw.connect(goodId, goodSecret)
  const acked: number[] = []
  let seq = 0
  return {
    gw,
    good,
    goodId,
    goodSecret,
    acked,
    async stillServing() {
      const s = ++seq
      await good.publishAsync(cabinetTopic(goodId, 'heartbeat'), heartbeat(s), { qos: 1 })
      acked.push(s)
    },
    async verifyStored() {
      const rows = await eventually(async () => {
        const r = await influxRows(gw.db, `SELECT seq FROM heartbeat WHERE cabinet = '${goodId}'`)
        return r.length >= acked.length ? r : undefined
      }, 30_000)
      const seqs = rows.map((r) => r.seq as number).sort((a, b) => a - b)
      expect(seqs).toEqual([...acked].sort((a, b) => a - b))
      return seqs.length
    },
    stop: () => gw.stop(),
  }
}

/**
 * One attack, one test: `attempt` must show the denial; then the good cabinet must still get a
 * PUBACK. Tried and denied are counted in the report either way.
 */
export function attack(
  arena: () => Arena,
  section: string,
  name: string,
  attempt: () => Promise<void>,
  timeoutMs?: number,
): void {
  it(
    `denies ${name}, while a good cabinet keeps getting PUBACKs`,
    async () => {
      let denied = false
      try {
        await attempt()
        await arena().stillServing()
        denied = true
      } finally {
        record(section, name, { attacks_tried: 1, attacks_denied: denied ? 1 : 0 })
      }
    },
    timeoutMs,
  )
}

/** Publishes at QoS 1: 'acked' on PUBACK, 'closed' when the broker closes the connection instead. */
export function publishOutcome(
  c: MqttClient,
  topic: string,
  payload: string | Buffer,
): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    c.once('close', () => resolve('closed'))
    c.publish(topic, payload, { qos: 1 }, (err) => {
      if (!err) resolve('acked')
    })
  })
}

/** The SUBACK return code for one filter (128 = refused); mqtt.js rejects on 128 with the packet. */
export async function subackCode(c: MqttClient, filter: string): Promise<number> {
  try {
    const granted = await c.subscribeAsync(filter, { qos: 1 })
    return granted[0]?.qos ?? -1
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet
    if (!packet?.granted) throw err
    return packet.granted[0] ?? -1
  }
}

/** Reads one counter (all label sets summed, or one `{label="value"}`) from /metrics. */
export async function metric(gw: TestGateway, name: string, labels = ''): Promise<number> {
  const text = (await gw.api('GET', '/metrics')).json as string
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (labels ? !rest.startsWith(labels) : !(rest.startsWith(' ') || rest.startsWith('{'))) continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}
