import { describe, expect, it } from 'vitest'
import { quantileBetween } from '../../../gateway/store/self-metrics.ts'

const INF = Number.POSITIVE_INFINITY
const buckets = (pairs: Array<[number, number]>) => new Map(pairs)

describe('write latency quantiles from two readings of a cumulative histogram', () => {
  it('interpolates inside the bucket holding the rank, counting only what was observed in between', () => {
    const before = buckets([
      [0.01, 100],
      [0.05, 100],
      [0.1, 100],
      [INF, 100],
    ])
    const after = buckets([
      [0.01, 110],
      [0.05, 190],
      [0.1, 200],
      [INF, 200],
    ])
    // 100 new: 10 under 10 ms, 80 in 10-50 ms, 10 in 50-100 ms
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.01 + 0.04 * (40 / 80), 9)
    expect(quantileBetween(before, after, 0.99)).toBeCloseTo(0.05 + 0.05 * (9 / 10), 9)
  })

  it('is null when nothing was written in the interval', () => {
    const same = buckets([
      [0.01, 5],
      [INF, 5],
    ])
    expect(quantileBetween(same, same, 0.5)).toBeNull()
  })

  it('answers the largest finite bound when the rank falls in +Inf', () => {
    expect(
      quantileBetween(
        new Map(),
        buckets([
          [1, 0],
          [10, 0],
          [INF, 3],
        ]),
        0.99,
      ),
    ).toBe(10)
  })
})
