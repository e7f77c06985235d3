import { describe, expect, it } from 'vitest'
import { callTree, flameSvg } from '../../../bench/flamegraph.ts'

const frame = (id: number, functionName: string, url = '', children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: 0 },
  children,
})

// (root) → handle (gateway) → parse (a package); (root) → (idle); (root) → (garbage collector)
const profile = {
  nodes: [
    frame(1, '(root)', '', [2, 4, 5]),
    frame(2, 'handle', 'file:///srv/aedgw/dist/gateway/ingest/pipeline.js', [3]),
    frame(3, 'parse', 'file:///srv/aedgw/node_modules/mqtt-packet/parser.js'),
    frame(4, '(idle)'),
    frame(5, '(garbage collector)'),
  ],
  // at 1, 2, 3, 4, 5 and 6 ms
  samples: [3, 3, 2, 4, 5, 3],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
}

describe('flame graph of a CPU profile', () => {
  it('adds each sample along its call path and leaves idle out', () => {
    const root = callTree(profile)
    expect(root.us).toBe(5000)
    const handle = [...root.children.values()].find((f) => f.name === 'handle')
    expect(handle?.us).toBe(4000)
    expect(handle?.kind).toBe('gateway')
    expect(handle?.where).toBe('gateway/ingest/pipeline.js:1')
    const parse = [...(handle?.children.values() ?? [])][0]
    expect(parse).toMatchObject({
      name: 'parse',
      us: 3000,
      kind: 'package',
      where: 'mqtt-packet/parser.js:1',
    })
    expect([...root.children.values()].find((f) => f.kind === 'gc')?.us).toBe(1000)
  })

  it('keeps a window of the profile', () => {
    // samples at 3 to 5 ms: handle (3 ms), idle (4 ms), garbage collection (5 ms)
    const root = callTree(profile, 0.0025, 0.0055)
    expect(root.us).toBe(2000)
    expect([...root.children.values()].map((f) => [f.name, f.us])).toEqual([
      ['handle', 1000],
      ['(garbage collector)', 1000],
    ])
  })

  it('draws one box a frame, as wide as its share', () => {
    const svg = flameSvg(callTree(profile), 'test <run>')
    expect(svg).toContain('test &lt;run&gt;')
    expect(svg.match(/<rect /g)?.length).toBe(5) // background, all, handle, parse, GC
    expect(svg).toMatch(
      /<title>handle gateway\/ingest\/pipeline\.js:1 — 4\.0 ms, 80\.00 %<\/title><rect x="240\.00" y="\d+" width="960\.00"/,
    )
  })
})
