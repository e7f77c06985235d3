import type { Cabinet } from './auth-server.ts'
import type { BrokerAddress } from './cabinet.ts'

/** One delivered heartbeat: which cabinet, which seq. */
export type Delivered = (id: string, seq: number) => void

/**
 * A three-node broker cluster as the spike drives it: cabinets publish over MQTT, the gateway's
 * ingest consumes what the cluster stored, one node can be killed with SIGKILL.
 */
export interface SpikeBroker {
  readonly name: 'rabbitmq' | 'nats'
  /** MQTT address of node i (0..2). */
  readonly mqtt: BrokerAddress[]
  /** Credentials cabinets log in with. */
  readonly cabinets: Cabinet[]
  /**
   * The node whose loss hurts most: where the replicated log that takes QoS 1 messages has its
   * leader (quorum queue leader, JetStream stream leader). Cabinets connect there first.
   */
  leaderNode(): Promise<number>
  /** Starts the gateway-side consumer on a node other than `avoid`; it fails over by itself. */
  consume(onMessage: Delivered, avoid: number): Promise<void>
  /** Process id of node i, for SIGKILL and RSS. */
  pid(node: number): number | null
  /** Stops the consumer, every node still running and whatever else was started. */
  stop(): Promise<void>
  /** Anything worth recording (auth calls answered, queue type, replicas). */
  notes(): Record<string, unknown>
}

export function parseHeartbeat(topicOrKey: string, body: Buffer): { id: string; seq: number } | null {
  const parts = topicOrKey.split(/[./]/)
  const id = parts[2]
  if (!id) return null
  try {
    const seq = (JSON.parse(body.toString('utf8')) as { seq?: unknown }).seq
    return typeof seq === 'number' ? { id, seq } : null
  } catch {
    return null
  }
}
