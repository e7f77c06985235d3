import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'
import { Ingest } from '../../../gateway/ingest/ingest.ts'
import { IngestPipeline } from '../../../gateway/ingest/pipeline.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { Metrics } from '../../../gateway/lib/metrics.ts'
import { Outbox } from '../../../gateway/store/outbox.ts'

const config = loadConfig({})
const log = createLogger('silent')
const BACKLOG = 2000
const ts = Date.now() - 60_000
const heartbeat = (seq: number) =>
  Buffer.from(JSON.stringify({ ts, seq, battery_pct: 90, pad_expiry: '2027-05-01', door: 'closed' }))
const removed = Buffer.from(JSON.stringify({ ts: ts + 1, seq: 1, type: 'aed_removed' }))

describe('the priority lane for events', () => {
  let dir: string
  let outbox: Outbox
  let seen: Array<{ kind: string; cabinet: string; seq: number; committedRows: number }>
  let pipeline: IngestPipeline

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-lane-'))
    // small groups: the backlog takes twenty group commits, one after the other
    outbox = new Outbox({
      dataDir: dir,
      sync: 'full',
      maxBatch: 100,
      maxBytes: 1 << 24,
      quarantineMaxEntries: 10,
      log,
      clock: Date.now,
    })
    await outbox.start()
    seen = []
    pipeline = new IngestPipeline({
      ingest: new Ingest({ config, districtOf: () => '1047' }),
      outbox,
      metrics: new Metrics(),
      log,
      clock: Date.now,
      dedupWindow: 100,
      onReading: (r) =>
        seen.push({
          kind: r.kind,
          cabinet: r.cabinet,
          seq: r.kind === 'status' ? -1 : r.value.seq,
          committedRows: outbox.snapshot().depth,
        }),
    })
  })

  afterEach(async () => {
    await outbox.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('commits an AED removed behind a backlog of heartbeats and hands it to the rules before the backlog drains', async () => {
    const acks: Array<Promise<void>> = []
    for (let seq = 0; seq < BACKLOG; seq++)
      acks.push(pipeline.accept(`C-${String(seq % 200).padStart(3, '0')}`, 'heartbeat', heartbeat(seq)))
    acks.push(pipeline.accept('C-DOOR', 'event', removed))
    await Promise.all(acks)

    expect(seen.length).toBe(BACKLOG + 1)
    const at = seen.findIndex((s) => s.kind === 'event')
    // published last, handed on before the heartbeats ahead of it were all committed
    expect(at).toBeGreaterThanOrEqual(0)
    expect(at).toBeLessThan(BACKLOG)
    // and before a single group commit of the backlog was on disk: its rules do not wait for one
    expect(seen[at]?.committedRows).toBe(0)
    // the heartbeats keep the order they came in
    const seqs = seen.filter((s) => s.kind === 'heartbeat').map((s) => s.seq)
    expect(seqs).toEqual(Array.from({ length: BACKLOG }, (_, i) => i))
  })

  it('leaves every line, the event included, in the outbox for the writer, once each', async () => {
    const acks: Array<Promise<void>> = []
    for (let seq = 0; seq < 300; seq++) acks.push(pipeline.accept('C-001', 'heartbeat', heartbeat(seq)))
    acks.push(pipeline.accept('C-DOOR', 'event', removed))
    await Promise.all(acks)
    const rows = await outbox.read(0, 10_000)
    expect(rows.length).toBe(301)
    expect(rows.filter((r) => r.cabinet === 'C-DOOR').length).toBe(1)
    expect(outbox.snapshot().depth).toBe(301)
  })
})
