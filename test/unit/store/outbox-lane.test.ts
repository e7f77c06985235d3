import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { lineBytes, Outbox } from '../../../gateway/store/outbox.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function outboxIn(dir: string): Outbox {
  return new Outbox({
    dataDir: dir,
    sync: 'full',
    maxBatch: 1000,
    maxBytes: 1 << 24,
    quarantineMaxEntries: 10,
    log: createLogger('silent'),
    clock: Date.now,
  })
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-outbox-lane-'))
  dirs.push(dir)
  return dir
}

describe('outbox priority lane', () => {
  it('acknowledges an urgent line before a group of thousands queued ahead of it', async () => {
    const outbox = outboxIn(tempDir())
    await outbox.start()
    try {
      const order: string[] = []
      const done: Array<Promise<void>> = []
      for (let i = 0; i < 3000; i++)
        done.push(
          outbox.append('C-001', `heartbeat,cabinet=C-001 n=${i}i ${i}`, 0).then(() => void order.push('h')),
        )
      done.push(
        outbox
          .appendUrgent('C-002', 'event,cabinet=C-002 type="aed_removed" 1', 0)
          .then(() => void order.push('e')),
      )
      await Promise.all(done)
      expect(order.indexOf('e')).toBeLessThan(3000)
      const rows = await outbox.read(0, 10_000)
      expect(rows.length).toBe(3001)
      expect(outbox.snapshot()).toMatchObject({ depth: 3001 })
      expect(outbox.snapshot().bytes).toBe(rows.reduce((n, r) => n + lineBytes(r.line), 0))
    } finally {
      await outbox.stop()
    }
  })

  it('carries what a crash left in the lane into the outbox at the next start, then empties the lane', async () => {
    const dir = tempDir()
    const first = outboxIn(dir)
    await first.start()
    await first.stop()
    // as a crash leaves it: committed to the lane, never carried
    const lane = new Database(join(dir, 'outbox-urgent.db'))
    lane
      .prepare('INSERT INTO outbox (cabinet, line, recv_ms) VALUES (?, ?, ?)')
      .run('C-003', 'event,cabinet=C-003 x=1i 5', 5)
    lane.close()

    const second = outboxIn(dir)
    await second.start()
    try {
      const rows = await second.read(0, 10)
      expect(rows.map((r) => r.line)).toEqual(['event,cabinet=C-003 x=1i 5'])
      expect(second.snapshot().depth).toBe(1)
    } finally {
      await second.stop()
    }
    const after = new Database(join(dir, 'outbox-urgent.db'))
    expect((after.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBe(0)
    after.close()
  })
})
