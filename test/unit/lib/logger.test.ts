import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../../gateway/lib/logger.ts'

describe('the logger', () => {
  it('redacts secrets, passwords and tokens wherever they appear', async () => {
    let out = ''
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk.toString()
        cb()
      },
    })
    const log = createLogger('info', sink).child({ module: 'test' })
    log.info(
      {
        secret: 's3cr3t',
        cabinet: { password: 'pw' },
        token: 'tok',
        req: { headers: { authorization: 'Bearer abc' } },
      },
      'x',
    )
    log.flush()
    await new Promise((r) => setImmediate(r))
    expect(out).toContain('"module":"test"')
    for (const leaked of ['s3cr3t', '"pw"', '"tok"', 'Bearer abc']) expect(out).not.toContain(leaked)
    expect(out.match(/\[redacted\]/g)?.length).toBe(4)
  })
})
