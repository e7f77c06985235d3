import type { Scenario } from './scenario.ts'
import { someOf } from './scenario.ts'

/** `emergency`: a burst of rescues across the city in the first minutes. */
export const emergency: Scenario = {
  name: 'emergency',
  summary: 'a burst of rescues: 15% of cabinets (at least 3) open and lose their AED within 90 s',
  params: (base) => base,
  start(ctx) {
    for (const cab of someOf(ctx.cabinets, 0.15, 3, ctx.rnd)) {
      const delay = ctx.rnd.range(2_000, 90_000)
      ctx.after(delay, () => {
        if (cab.model.trigger('rescue', ctx.clock()))
          ctx.log(`rescue at ${cab.spec.registration.name} (${cab.model.id})`)
      })
    }
  },
}

/** `theft`: a few AEDs taken and never returned. */
export const theft: Scenario = {
  name: 'theft',
  summary: 'thefts: 3% of cabinets (at least 1) lose their AED within a minute, never returned',
  params: (base) => base,
  start(ctx) {
    for (const cab of someOf(ctx.cabinets, 0.03, 1, ctx.rnd)) {
      ctx.after(ctx.rnd.range(2_000, 60_000), () => {
        if (cab.model.trigger('theft', ctx.clock()))
          ctx.log(`theft at ${cab.spec.registration.name} (${cab.model.id})`)
      })
    }
  },
}

/**
 * `outage`: one district loses its mobile network for a while; its cabinets' wills fire, they
 * keep their heartbeats, and send them with their original timestamps when the network is back.
 */
export const outage: Scenario = {
  name: 'outage',
  summary: 'one district loses network for 5 minutes (or a third of the run), then catches up',
  params: (base) => base,
  start(ctx) {
    const byDistrict = new Map<string, typeof ctx.cabinets>()
    for (const c of ctx.cabinets) {
      const code = c.spec.registration.district_code
      byDistrict.set(code, [...(byDistrict.get(code) ?? []), c])
    }
    const codes = [...byDistrict.keys()].sort()
    if (codes.length === 0) return
    const code = ctx.rnd.pick(codes)
    const hit = byDistrict.get(code) ?? []
    const lengthMs = Math.min(300_000, ctx.durationMs ? ctx.durationMs / 3 : 300_000)
    ctx.after(10_000, () => {
      ctx.log(`network outage in district ${code}: ${hit.length} cabinets cut off`)
      for (const c of hit) c.link.setOutage(true)
    })
    ctx.after(10_000 + lengthMs, () => {
      ctx.log(`network back in district ${code}`)
      for (const c of hit) c.link.setOutage(false)
    })
  },
}
