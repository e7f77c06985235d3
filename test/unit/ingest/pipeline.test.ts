import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../gateway/config/load.ts'
import { Ingest, type Reading } from '../../../gateway/ingest/ingest.ts'
import { IngestPipeline } from '../../../gateway/ingest/pipeline.ts'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { Metrics } from '../../../gateway/lib/metrics.ts'
import { Outbox } from '../../../gateway/store/outbox.ts'

const config = loadConfig({})
const log = createLogger('silent')
const door = (seq: number, type = 'door_open') =>
  Buffer.from(JSON.stringify({ ts: '2026-11-26T04:00:00Z', seq, type }))

describe('ingest pipeline', () => {
  let dir: string
  let outbox: Outbox
  let seen: Array<{ reading: Reading; committedRows: number }>
  let pipeline: IngestPipeline

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aedgw-pipeline-'))
    outbox = new Outbox({
      dataDir: dir,
      sync: 'full',
      maxBatch: 1000,
      maxBytes: 1 << 20,
      quarantineMaxEntries: 10,
      log,
      clock: Date.now,
    })
    await outbox.start()
    seen = []
    pipeline = new IngestPipeline({
      ingest: new Ingest({ config, districtOf: () => '1001' }),
      outbox,
      metrics: new Metrics(),
      log,
      clock: Date.now,
      dedupWindow: 100,
      // what the outbox holds on disk at the moment the reading is handed on
      onReading: (reading) => seen.push({ reading, committedRows: outbox.snapshot().depth }),
    })
  })

  afterEach(async () => {
    await outbox.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('hands a reading on only once its commit is on disk', async () => {
    await Promise.all([
      pipeline.accept('C-001', 'event', door(1)),
      pipeline.accept('C-001', 'event', door(2)),
    ])
    expect(seen.map((s) => s.reading.cabinet)).toEqual(['C-001', 'C-001'])
    // events take the priority lane, a commit each as soon as the one before is done: each was
    // already stored when the rules saw it (the k-th reading with at least k rows on disk)
    for (const [k, s] of seen.entries()) expect(s.committedRows).toBeGreaterThanOrEqual(k + 1)
    expect((await outbox.read(0, 10)).length).toBe(2)
  })

  it('hands on neither a redelivery nor a quarantined payload', async () => {
    await pipeline.accept('C-001', 'event', door(1))
    await pipeline.accept('C-001', 'event', door(1))
    await pipeline.accept('C-001', 'event', Buffer.from('not json'))
    expect(seen.length).toBe(1)
  })

  it('hands on nothing when the outbox refuses the message', async () => {
    await outbox.stop()
    await expect(pipeline.accept('C-001', 'event', door(1))).rejects.toThrow(/not acknowledged/)
    expect(seen).toEqual([])
    await outbox.start()
  })
})
