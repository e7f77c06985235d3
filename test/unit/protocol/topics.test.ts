import { describe, expect, it } from 'vitest'
import {
  cabinetTopic,
  encodePayload,
  PUBLISH_LEAVES,
  parseTopic,
  type TopicKind,
  type TopicPayloads,
} from '../../../gateway/protocol/topics.ts'

// every kind of the topic map, checked by the compiler against TopicPayloads
const KINDS: Record<TopicKind, true> = { heartbeat: true, event: true, status: true, cmd: true }

describe('the topic map', () => {
  it('builds aed/v1/{id}/{kind} for every kind, and parseTopic reads it back', () => {
    for (const kind of Object.keys(KINDS) as TopicKind[]) {
      expect(cabinetTopic('BKK-1047-0007', kind)).toBe(`aed/v1/BKK-1047-0007/${kind}`)
      expect(parseTopic(cabinetTopic('BKK-1047-0007', kind))).toEqual({
        cabinetId: 'BKK-1047-0007',
        leaf: kind,
      })
    }
  })

  it('has a kind for every leaf a cabinet may publish to, plus cmd', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...PUBLISH_LEAVES, 'cmd'].sort())
  })

  it('encodes status as plain text and the other payloads as JSON', () => {
    expect(encodePayload('status', 'offline')).toBe('offline')
    const event: TopicPayloads['event'] = { ts: 1, seq: 2, type: 'door_open' }
    expect(JSON.parse(encodePayload('event', event))).toEqual(event)
    const cmd: TopicPayloads['cmd'] = { id: 'c1', type: 'ping', issued_at: '2026-11-26T04:00:00Z' }
    expect(encodePayload('cmd', cmd)).toBe(JSON.stringify(cmd))
  })
})
