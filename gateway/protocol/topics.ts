import type { Command } from './command.ts'
import type { EventWire } from './event.ts'
import type { HeartbeatWire } from './heartbeat.ts'
import type { CabinetStatus } from './status.ts'

/** Topic layout of the contract: aed/v1/{cabinet id}/{leaf}. */
export const TOPIC_ROOT = 'aed/v1'
export const CABINET_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/

/** Leaves a cabinet may publish to; `cmd` is the one it may subscribe to. */
export const PUBLISH_LEAVES = ['heartbeat', 'event', 'status'] as const
export type PublishLeaf = (typeof PUBLISH_LEAVES)[number]
export const COMMAND_LEAF = 'cmd'

/**
 * The topic map: each leaf of a cabinet's topic and what travels on it, as the sender writes it
 * (the wire form the schemas accept, before parsing). One table, so a topic and its payload type
 * cannot drift apart in the gateway, the simulator, the benchmark or the tests.
 */
export interface TopicPayloads {
  heartbeat: HeartbeatWire
  event: EventWire
  status: CabinetStatus
  cmd: Command
}
export type TopicKind = keyof TopicPayloads
export type TopicPayload<K extends TopicKind> = TopicPayloads[K]

/** aed/v1/{cabinetId}/{kind}. */
export function cabinetTopic(cabinetId: string, kind: TopicKind): string {
  return `${TOPIC_ROOT}/${cabinetId}/${kind}`
}

/** The bytes to publish for `payload` on a `kind` topic: `status` is plain text, the rest JSON. */
export function encodePayload<K extends TopicKind>(kind: K, payload: TopicPayload<K>): string {
  return kind === 'status' ? String(payload) : JSON.stringify(payload)
}

export interface ParsedTopic {
  cabinetId: string
  leaf: string
}

/** Splits aed/v1/{id}/{leaf}; null for anything else (more or fewer levels, another root). */
export function parseTopic(topic: string): ParsedTopic | null {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return null
  const rest = topic.slice(TOPIC_ROOT.length + 1)
  const slash = rest.indexOf('/')
  if (slash <= 0) return null
  const cabinetId = rest.slice(0, slash)
  const leaf = rest.slice(slash + 1)
  if (leaf.length === 0 || leaf.includes('/') || !CABINET_ID_RE.test(cabinetId)) return null
  return { cabinetId, leaf }
}

export function isPublishLeaf(leaf: string): leaf is PublishLeaf {
  return (PUBLISH_LEAVES as readonly string[]).includes(leaf)
}
