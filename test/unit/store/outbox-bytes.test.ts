import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../gateway/lib/logger.ts'
import { lineBytes, Outbox } from '../../../gateway/store/outbox.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function openOutbox(): Promise<Outbox> {
  const dir = mkdtempSync(join(tmpdir(), 'aedgw-outbox-bytes-'))
  dirs.push(dir)
  const outbox = new Outbox({
    dataDir: dir,
    sync: 'normal',
    maxBatch: 100,
    maxBytes: 1_000_000,
    quarantineMaxEntries: 100,
    log: createLogger('silent'),
    clock: () => 0,
  })
  await outbox.start()
  return outbox
}

describe('outbox quota arithmetic', () => {
  it('counts a line the same going in and coming out, lone surrogates included', async () => {
    const outbox = await openOutbox()
    try {
      const lines = [
        'heartbeat,cabinet=C-001 fw="a\ud800b" 1',
        'heartbeat,cabinet=C-001 fw="\udc00\ud800" 2',
        'ok i=1i 3',
      ]
      for (const l of lines) await outbox.append('C-001', l, 0)
      const inBytes = outbox.snapshot().bytes
      expect(inBytes).toBeGreaterThan(0)
      // what the writer subtracts is measured on the rows as read back from SQLite
      const rows = await outbox.read(0, 10)
      const outBytes = rows.reduce((n, r) => n + lineBytes(r.line), 0)
      expect(outBytes).toBe(inBytes)
      await outbox.remove(rows[0]?.id as number, rows[rows.length - 1]?.id as number, rows.length, outBytes)
      expect(outbox.snapshot()).toMatchObject({ depth: 0, bytes: 0 })
    } finally {
      await outbox.stop()
    }
  })

  it('never counts below zero', async () => {
    const outbox = await openOutbox()
    try {
      await outbox.append('C-001', 'ok i=1i 1', 0)
      const rows = await outbox.read(0, 10)
      await outbox.remove(rows[0]?.id as number, rows[0]?.id as number, 1, 10_000)
      expect(outbox.snapshot().bytes).toBe(0)
    } finally {
      await outbox.stop()
    }
  })
})
