/** Topic layout of the contract: aed/v1/{cabinet id}/{leaf}. */
export const TOPIC_ROOT = 'aed/v1'
export const CABINET_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/

/** Leaves a cabinet may publish to; `cmd` is the one it may subscribe to. */
export const PUBLISH_LEAVES = ['heartbeat', 'event', 'status'] as const
export type PublishLeaf = (typeof PUBLISH_LEAVES)[number]
export const COMMAND_LEAF = 'cmd'

export function cabinetTopic(cabinetId: string, leaf: PublishLeaf | typeof COMMAND_LEAF): string {
  return `${TOPIC_ROOT}/${cabinetId}/${leaf}`
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
