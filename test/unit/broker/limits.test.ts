import { describe, expect, it } from 'vitest'
import { LoginBackoff, RateLimiter } from '../../../gateway/broker/limits.ts'

describe('the rate limiter', () => {
  it('allows a burst, then the sustained rate', () => {
    let now = 0
    const r = new RateLimiter(2, 3, () => now)
    expect([r.take('a'), r.take('a'), r.take('a'), r.take('a')]).toEqual([true, true, true, false])
    now = 500
    expect(r.take('a')).toBe(true)
    expect(r.take('a')).toBe(false)
    expect(r.take('b')).toBe(true)
  })
})

describe('login back-off', () => {
  it('blocks a key after max failures, doubling up to the cap, and clears on success', () => {
    let now = 0
    const b = new LoginBackoff({ maxFailures: 2, baseMs: 1000, maxMs: 3000 }, () => now)
    b.fail('x')
    expect(b.blockedFor('x')).toBe(0)
    b.fail('x')
    expect(b.blockedFor('x')).toBe(1000)
    b.fail('x')
    expect(b.blockedFor('x')).toBe(2000)
    b.fail('x')
    expect(b.blockedFor('x')).toBe(3000)
    now = 3000
    expect(b.blockedFor('x')).toBe(0)
    b.succeed('x')
    b.fail('x')
    expect(b.blockedFor('x')).toBe(0)
  })

  it('stays bounded under a spray of keys', () => {
    const b = new LoginBackoff({ maxFailures: 1, baseMs: 1000, maxMs: 1000, maxKeys: 100 }, () => 0)
    for (let i = 0; i < 1000; i++) b.fail(`k${i}`)
    expect(b.blockedFor('k0')).toBe(0)
    expect(b.blockedFor('k999')).toBe(1000)
  })
})
