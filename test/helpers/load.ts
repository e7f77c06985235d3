import type { MqttClient } from 'mqtt'
import { heartbeat } from './gateway.ts'

/**
 * Publishes heartbeats seq = from..to-1 at QoS 1 from one client without waiting between them,
 * and records which seqs got their PUBACK. Stops quietly when the connection dies.
 */
export function publishBurst(
  c: MqttClient,
  topic: string,
  from: number,
  to: number,
  acked: Set<number>,
): Promise<void> {
  return new Promise((resolve) => {
    let pending = to - from
    if (pending <= 0) return resolve()
    const done = () => {
      pending--
      if (pending === 0) resolve()
    }
    c.once('close', () => resolve())
    for (let seq = from; seq < to; seq++) {
      c.publish(topic, heartbeat(seq), { qos: 1 }, (err) => {
        if (!err) acked.add(seq)
        done()
      })
    }
  })
}

/** seq → number of points stored for one cabinet. */
export async function storedSeqs(
  query: (q: string) => Promise<Array<Record<string, unknown>>>,
  cabinet: string,
): Promise<Map<number, number>> {
  const rows = await query(`SELECT seq FROM heartbeat WHERE cabinet = '${cabinet}'`)
  const counts = new Map<number, number>()
  for (const r of rows) counts.set(r.seq as number, (counts.get(r.seq as number) ?? 0) + 1)
  return counts
}
