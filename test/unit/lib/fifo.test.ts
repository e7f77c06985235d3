import { describe, expect, it } from 'vitest'
import { Fifo } from '../../../gateway/lib/fifo.ts'

describe('the FIFO queue', () => {
  it('gives back what was pushed in order, across the compactions of a long backlog', () => {
    const q = new Fifo<number>()
    const out: number[] = []
    let next = 0
    // push in bursts and take a little less each round, so the backlog grows past the
    // compaction threshold many times over and is then emptied
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 500; i++) q.push(next++)
      for (let i = 0; i < 400; i++) out.push(q.shift() as number)
    }
    expect(q.length).toBe(200 * 100)
    for (let v = q.shift(); v !== undefined; v = q.shift()) out.push(v)
    expect(q.length).toBe(0)
    expect(q.shift()).toBeUndefined()
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i))
  })

  it('keeps working after it was emptied', () => {
    const q = new Fifo<string>()
    q.push('a')
    expect(q.shift()).toBe('a')
    q.push('b')
    q.push('c')
    expect(q.length).toBe(2)
    expect(q.shift()).toBe('b')
    expect(q.shift()).toBe('c')
  })
})
