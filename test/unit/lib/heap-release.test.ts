import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { HeapRelease } from '../../../gateway/lib/heap-release.ts'
import { Metrics } from '../../../gateway/lib/metrics.ts'

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
    const metrics = new Metrics()
    const gauge = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values
    const r = new HeapRelease(log, metrics)
    r.sweep(0, false)
    r.sweep(0, false)
    r.sweep(0, false) // no backlog yet: nothing to give back
    expect((await gauge('aedgw_heap_release_pending'))?.[0]?.value).toBe(0)
    r.sweep(3, true) // the gate held connections
    expect((await gauge('aedgw_heap_release_pending'))?.[0]?.value).toBe(1)
    r.sweep(3, true) // still holding: not quiet
    r.sweep(3, false) // quiet 1
    await new Promise((done) => setTimeout(done, 50))
    expect(released(lines)).toBe(0)
    r.sweep(3, false) // quiet 2: released
    await new Promise((done) => setTimeout(done, 200))
    expect(released(lines)).toBe(1)
    expect((await gauge('aedgw_heap_release_pending'))?.[0]?.value).toBe(0)
    const pauses = (await gauge('aedgw_heap_release_pause_seconds')) ?? []
    expect(
      pauses.find(
        (v) => (v as { metricName?: string }).metricName === 'aedgw_heap_release_pause_seconds_count',
      )?.value,
    ).toBe(1)
    expect(
      pauses.find((v) => (v as { metricName?: string }).metricName === 'aedgw_heap_release_pause_seconds_sum')
        ?.value,
    ).toBeGreaterThan(0)
    expect(lines.find((l) => l.msg === 'backlog over: heap collected and returned')?.pause_ms).toEqual(
      expect.any(Number),
    )
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
