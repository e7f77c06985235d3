import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'
import { Dedup } from '../../../gateway/ingest/dedup.ts'
import { Ingest } from '../../../gateway/ingest/ingest.ts'
import { parseTopic } from '../../../gateway/protocol/topics.ts'

const config = loadConfig({})
const ingest = new Ingest({ config, districtOf: () => '1047' })
const recv = Date.UTC(2026, 10, 26, 4, 0, 5)
const hb = (o: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      ts: '2026-11-26T04:00:00Z',
      seq: 7,
      battery_pct: 50,
      pad_expiry: '2026-12-01',
      door: 'open',
      ...o,
    }),
  )

describe('ingest', () => {
  it('turns a heartbeat into a line with device time, receive time and days left', () => {
    const r = ingest.process('CAB-1', 'heartbeat', hb(), recv)
    if (!r.ok) throw new Error(r.detail)
    expect(r.line.startsWith('heartbeat,cabinet=CAB-1,district=1047 ')).toBe(true)
    expect(r.line).toContain('pad_days_left=5i')
    expect(r.line).toContain('door_open=T')
    expect(r.line).toContain(`received_ms=${recv}i`)
    expect(r.line.endsWith(` ${Date.UTC(2026, 10, 26, 4)}`)).toBe(true)
    expect(r.dedupKey).toEqual({ kind: 'heartbeat', boot: null, seq: 7, ts: Date.UTC(2026, 10, 26, 4) })
  })

  it('refuses a lone surrogate written as a \\u escape, in a value or a key, and takes a pair', () => {
    const value = ingest.process(
      'CAB-1',
      'heartbeat',
      Buffer.from(hb().toString().replace('}', ',"fw":"a\\uD800b"}')),
      recv,
    )
    expect(value.ok ? 'accepted' : value.reason).toBe('ill_formed_unicode')
    const key = ingest.process(
      'CAB-1',
      'heartbeat',
      Buffer.from(hb().toString().replace('{', '{"\\udc00":1,')),
      recv,
    )
    expect(key.ok ? 'accepted' : key.reason).toBe('ill_formed_unicode')
    const pair = ingest.process(
      'CAB-1',
      'heartbeat',
      Buffer.from(hb().toString().replace('}', ',"fw":"\\ud83d\\ude91"}')),
      recv,
    )
    expect(pair.ok).toBe(true)
  })

  it('flags a device clock running ahead, but keeps its time on the point', () => {
    const r = ingest.process('CAB-1', 'heartbeat', hb({ ts: '2026-11-26T05:00:00Z' }), recv)
    if (!r.ok) throw new Error(r.detail)
    expect(r.line).toContain('clock_skew=T')
    expect(r.line.endsWith(` ${Date.UTC(2026, 10, 26, 5)}`)).toBe(true)
  })

  it('escapes tag and field values as line protocol requires', () => {
    const r = ingest.process('CAB_with-dash', 'heartbeat', hb({ fw: 'v1 "beta", x=1' }), recv)
    if (!r.ok) throw new Error(r.detail)
    expect(r.line).toContain('fw="v1 \\"beta\\", x=1"')
  })

  it('keeps unknown keys only when configured, as x_ fields', () => {
    const keep = new Ingest({
      config: { ingest: { ...config.ingest, keep_extra_fields: true } },
      districtOf: () => '1001',
    })
    const r = keep.process(
      'CAB-1',
      'heartbeat',
      hb({ humidity: 71, note: 'ok', nested: { a: 1 }, 'Bad Key': 1 }),
      recv,
    )
    if (!r.ok) throw new Error(r.detail)
    expect(r.line).toContain('x_humidity=71')
    expect(r.line).toContain('x_note="ok"')
    expect(r.line).not.toContain('nested')
    const drop = ingest.process('CAB-1', 'heartbeat', hb({ humidity: 71 }), recv)
    expect(drop.ok && drop.line.includes('humidity')).toBe(false)
  })

  it('rejects with a reason a person can act on', () => {
    expect(ingest.process('C', 'heartbeat', Buffer.from('nope'), recv)).toMatchObject({
      ok: false,
      reason: 'invalid_json',
    })
    const r = ingest.process('C', 'heartbeat', hb({ battery_pct: -1, pad_expiry: '2026-13-45' }), recv)
    expect(r).toMatchObject({ ok: false, reason: 'invalid_payload' })
    expect(!r.ok && r.detail).toMatch(/battery_pct: .*pad_expiry: /)
    expect(ingest.process('C', 'status', Buffer.from('maybe'), recv)).toMatchObject({
      ok: false,
      reason: 'invalid_status',
    })
    expect(
      ingest.process(
        'C',
        'event',
        Buffer.from(JSON.stringify({ ts: 1795000000000, seq: 1, type: 'explode' })),
        recv,
      ),
    ).toMatchObject({
      ok: false,
      reason: 'invalid_payload',
    })
  })
})

describe('redelivery detection', () => {
  const hb = (seq: number, ts = 1000, boot: string | null = null) => ({
    kind: 'heartbeat' as const,
    boot,
    seq,
    ts,
  })

  it('remembers a window of keys per cabinet', () => {
    const d = new Dedup(2)
    expect(d.add('a', hb(1))).toBe(true)
    expect(d.add('a', hb(1))).toBe(false)
    expect(d.add('b', hb(1))).toBe(true)
    d.add('a', hb(2))
    d.add('a', hb(3))
    expect(d.has('a', hb(1))).toBe(false)
    expect(d.has('a', hb(2))).toBe(true)
    expect(d.has('a', hb(3))).toBe(true)
    expect(d.has('c', hb(3))).toBe(false)
  })

  it('tells keys apart by every part: kind, boot, seq and device time', () => {
    const d = new Dedup(8)
    d.add('a', hb(5, 1000, 'boot-1'))
    expect(d.has('a', hb(5, 1000, 'boot-1'))).toBe(true)
    expect(d.has('a', { kind: 'event', boot: 'boot-1', seq: 5, ts: 1000 })).toBe(false)
    expect(d.has('a', hb(5, 1000, 'boot-2'))).toBe(false)
    expect(d.has('a', hb(5, 1000, null))).toBe(false)
    expect(d.has('a', hb(6, 1000, 'boot-1'))).toBe(false)
    expect(d.has('a', hb(5, 1001, 'boot-1'))).toBe(false)
    // a boot id equal in value but another string (each message is parsed anew) is the same boot
    expect(d.has('a', hb(5, 1000, ['boot', '1'].join('-')))).toBe(true)
  })

  it('after a reboot, with seq starting again from 0, still recognises redeliveries and takes new messages', () => {
    const d = new Dedup(4)
    for (let seq = 100; seq < 110; seq++) expect(d.add('a', hb(seq, seq, 'boot-A'))).toBe(true)
    expect(d.add('a', hb(109, 109, 'boot-A'))).toBe(false)
    for (let seq = 0; seq < 12; seq++) {
      expect(d.add('a', hb(seq, 1000 + seq, 'boot-B'))).toBe(true)
      // the redelivery of each is caught, below the highest seq the ring has seen
      expect(d.add('a', hb(seq, 1000 + seq, 'boot-B'))).toBe(false)
      expect(d.has('a', hb(seq, 1000 + seq, 'boot-B'))).toBe(true)
    }
    expect(d.has('a', hb(109, 109, 'boot-A'))).toBe(false)
    expect(d.has('a', hb(7, 1007, 'boot-B'))).toBe(false)
    expect(d.has('a', hb(8, 1008, 'boot-B'))).toBe(true)
  })

  it('forgets the oldest key first, the ring wrapping many times', () => {
    for (const window of [3, 20, 256]) {
      const d = new Dedup(window)
      for (let seq = 0; seq < 1000; seq++) {
        expect(d.add('a', hb(seq, seq * 10, `boot-${seq >> 6}`))).toBe(true)
        // what was just added and the whole window behind it are remembered while it grows
        const from = Math.max(0, seq - window + 1)
        expect(d.has('a', hb(from, from * 10, `boot-${from >> 6}`))).toBe(true)
        if (from > 0) expect(d.has('a', hb(from - 1, (from - 1) * 10, `boot-${(from - 1) >> 6}`))).toBe(false)
      }
    }
  })
})

describe('topics', () => {
  it('parses only aed/v1/{id}/{leaf}', () => {
    // the contract's text written out, so the parser is checked against it and not against cabinetTopic
    expect(parseTopic('aed/v1/BKK-1/heartbeat')).toEqual({ cabinetId: 'BKK-1', leaf: 'heartbeat' })
    expect(parseTopic('aed/v1/BKK-1/heartbeat/x')).toBeNull()
    expect(parseTopic('aed/v1/+/heartbeat')).toBeNull()
    expect(parseTopic('aed/v2/BKK-1/heartbeat')).toBeNull()
    expect(parseTopic('aed/v1/BKK-1/')).toBeNull()
  })
})
