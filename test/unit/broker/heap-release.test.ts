import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { HeapRelease } from '../../../gateway/broker/heap-release.ts'

function collectingLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()))
      cb()
    },
  })
  return { log: pino({ level: 'info' }, sink), lines }
}

const released = (lines: Array<Record<string, unknown>>) =>
  lines.filter((l) => l.msg === 'backlog over: heap collected and returned').length

describe('the heap release after a backlog', () => {
  it('collects once, two quiet sweeps after back-pressure last held anyone, and not again until the next backlog', async () => {
    const { log, lines } = collectingLogger()
    const r = new HeapRelease(log)
    r.sweep(0, false)
    r.sweep(0, false)
    r.sweep(0, false) // no backlog yet: nothing to give back
    r.sweep(3, true) // the gate held connections
    r.sweep(3, true) // still holding: not quiet
    r.sweep(3, false) // quiet 1
    await new Promise((done) => setTimeout(done, 50))
    expect(released(lines)).toBe(0)
    r.sweep(3, false) // quiet 2: released
    await new Promise((done) => setTimeout(done, 200))
    expect(released(lines)).toBe(1)
    for (let i = 0; i < 4; i++) r.sweep(3, false)
    await new Promise((done) => setTimeout(done, 200))
    expect(released(lines)).toBe(1)
    r.sweep(4, false) // it closed again since
    r.sweep(4, false)
    r.sweep(4, false)
    await new Promise((done) => setTimeout(done, 200))
    expect(released(lines)).toBe(2)
  })
})
