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
const hb = (seq: number) =>
  Buffer.from(
    JSON.stringify({ ts: Date.now() - 1000, seq, battery_pct: 90, pad_expiry: '2027-05-01', door: 'closed' }),
  )
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

  it('hands a heartbeat on only once its commit is on disk', async () => {
    await Promise.all([
      pipeline.accept('C-001', 'heartbeat', hb(1)),
      pipeline.accept('C-001', 'heartbeat', hb(2)),
    ])
    expect(seen.map((s) => s.reading.kind)).toEqual(['heartbeat', 'heartbeat'])
    // each was on disk when it was handed on (the k-th with at least k rows committed)
    for (const [k, s] of seen.entries()) expect(s.committedRows).toBeGreaterThanOrEqual(k + 1)
  })

  it('hands an event to the rules at once, while its commit runs; the PUBACK still waits for the commit', async () => {
    let settled = false
    const ack = pipeline.accept('C-001', 'event', door(1)).then(() => {
      settled = true
    })
    // handed on within the call, before the priority lane's commit could answer
    expect(seen.map((s) => s.reading.kind)).toEqual(['event'])
    expect(seen[0]?.committedRows).toBe(0)
    expect(settled).toBe(false)
    await ack
    // the acknowledgement came once the row was on disk
    expect(outbox.snapshot().depth).toBe(1)
    expect((await outbox.read(0, 10)).length).toBe(1)
  })

  it('hands on neither a redelivery nor a quarantined payload', async () => {
    await pipeline.accept('C-001', 'event', door(1))
    await pipeline.accept('C-001', 'event', door(1))
    await pipeline.accept('C-001', 'event', Buffer.from('not json'))
    expect(seen.length).toBe(1)
  })

  it('hands a refused event to the rules but does not acknowledge it; the copy sent again is stored', async () => {
    // an outbox whose quota one line fills
    await outbox.stop()
    outbox = new Outbox({
      dataDir: dir,
      sync: 'full',
      maxBatch: 1000,
      maxBytes: 1,
      quarantineMaxEntries: 10,
      log,
      clock: Date.now,
    })
    await outbox.start()
    const metrics = new Metrics()
    pipeline = new IngestPipeline({
      ingest: new Ingest({ config, districtOf: () => '1001' }),
      outbox,
      metrics,
      log,
      clock: Date.now,
      dedupWindow: 100,
      onReading: (reading) => seen.push({ reading, committedRows: outbox.snapshot().depth }),
    })
    await pipeline.accept('C-001', 'heartbeat', hb(1))
    // full now: the event is refused, yet its rules run; a heartbeat or a bad event is not handed on
    await expect(pipeline.accept('C-001', 'event', door(1))).rejects.toThrow(/not acknowledged: outbox full/)
    await expect(pipeline.accept('C-001', 'heartbeat', hb(2))).rejects.toThrow(/not acknowledged/)
    await expect(pipeline.accept('C-001', 'event', Buffer.from('{"seq":'))).rejects.toThrow(
      /not acknowledged/,
    )
    expect(seen.map((s) => s.reading.kind)).toEqual(['heartbeat', 'event'])
    expect(await metrics.registry.getSingleMetricAsString('aedgw_events_unstored_total')).toMatch(/ 1$/m)
    // room again (the writer took the heartbeat): the event sent again is stored and acknowledged
    const [row] = await outbox.read(0, 10)
    if (!row) throw new Error('the heartbeat should be in the outbox')
    await outbox.remove(row.id, row.id, 1, Buffer.byteLength(row.line))
    await pipeline.accept('C-001', 'event', door(1))
    expect(seen.map((s) => s.reading.kind)).toEqual(['heartbeat', 'event', 'event'])
    const rows = await outbox.read(0, 10)
    expect(rows.map((r) => r.line.split(',')[0])).toEqual(['event'])
  })
})
