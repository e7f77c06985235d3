import { describe, expect, it } from 'vitest'
import { DAY, HOUR, MINUTE } from '../../../firmware-sim/clock.ts'
import { buildFleet } from '../../../firmware-sim/fleet.ts'
import { CabinetModel, type SimOutput } from '../../../firmware-sim/model/cabinet.ts'
import { DEFAULT_PARAMS } from '../../../firmware-sim/model/params.ts'
import { eventSchema, heartbeatSchema } from '../../../gateway/protocol/index.ts'

const START = Date.UTC(2026, 10, 1)
const [indoorSpec, outdoorSpec] = (() => {
  const fleet = buildFleet({ count: 50, seed: 9 })
  return [fleet.find((c) => !c.outdoor)!, fleet.find((c) => c.outdoor)!]
})()

const heartbeats = (out: SimOutput[]) => out.filter((o) => o.kind === 'heartbeat')
const events = (out: SimOutput[]) => out.flatMap((o) => (o.kind === 'event' ? [o.payload] : []))

describe('a simulated cabinet', () => {
  it('tells the same story for the same seed, and another for another seed', () => {
    const a = new CabinetModel(outdoorSpec, 9, START).advance(START + 3 * DAY)
    const b = new CabinetModel(outdoorSpec, 9, START).advance(START + 3 * DAY)
    const c = new CabinetModel(outdoorSpec, 10, START).advance(START + 3 * DAY)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })

  it('gives the same output whether advanced in one step or many (no wall clock inside)', () => {
    const once = new CabinetModel(indoorSpec, 9, START).advance(START + DAY)
    const model = new CabinetModel(indoorSpec, 9, START)
    const steps: SimOutput[] = []
    for (let t = START; t <= START + DAY; t += 7 * MINUTE) steps.push(...model.advance(t))
    steps.push(...model.advance(START + DAY))
    expect(steps).toEqual(once)
  })

  it('sends heartbeats and events the gateway’s schemas accept', () => {
    const out = new CabinetModel(outdoorSpec, 9, START).advance(START + 2 * DAY)
    expect(heartbeats(out).length).toBeGreaterThan(2 * 24 * 55)
    for (const o of out) {
      if (o.kind === 'heartbeat') expect(heartbeatSchema.safeParse(o.payload).success).toBe(true)
      if (o.kind === 'event') expect(eventSchema.safeParse(o.payload).success).toBe(true)
    }
  })

  it('heartbeats every interval with jitter, and self-tests daily around 03:00 Bangkok time', () => {
    const out = new CabinetModel(indoorSpec, 9, START).advance(START + 3 * DAY)
    const at = heartbeats(out).map((o) => o.at)
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(57_000)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(63_000)
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(10)
    const tests = events(out).filter((e) => e.type === 'self_test')
    expect(tests).toHaveLength(3)
    for (const t of tests) expect(new Date(t.ts as string).getUTCHours()).toBe(20) // 03:xx in Bangkok
  })

  it('counts seq per boot and starts again at 0 after a reboot, with a new boot id', () => {
    const model = new CabinetModel(outdoorSpec, 9, START, { ...DEFAULT_PARAMS, rebootPerDay: 2 })
    const out = model.advance(START + 3 * DAY)
    const reboot = out.findIndex((o) => o.kind === 'reboot')
    expect(reboot).toBeGreaterThan(0)
    const msgs = out.flatMap((o) => (o.kind === 'heartbeat' || o.kind === 'event' ? [o.payload] : []))
    const first = msgs[0]!
    expect(first.seq).toBe(0)
    for (let i = 1; i < msgs.length; i++) {
      const prev = msgs[i - 1]!
      const cur = msgs[i]!
      if (cur.boot === prev.boot) expect(cur.seq).toBe(prev.seq + 1)
      else expect(cur.seq).toBe(0)
    }
    expect(new Set(msgs.map((m) => m.boot)).size).toBeGreaterThan(1)
  })

  it('plays a rescue: door opens, AED taken, door closes, AED back hours later', () => {
    const model = new CabinetModel(indoorSpec, 9, START, {
      ...DEFAULT_PARAMS,
      rescuePerDay: 0,
      inspectionPerDay: 0,
      tamperPerDay: 0,
      theftPerDay: 0,
    })
    model.advance(START + HOUR)
    expect(model.trigger('rescue', START + HOUR)).toBe(true)
    const out = model.advance(START + 12 * HOUR)
    const doorEvents = events(out).filter((e) => e.type !== 'self_test' && !e.type.startsWith('power'))
    expect(doorEvents.map((e) => e.type)).toEqual([
      'door_open',
      'aed_removed',
      'door_closed',
      'door_open',
      'aed_returned',
      'door_closed',
    ])
    const removed = Date.parse(doorEvents[1]!.ts as string)
    const returned = Date.parse(doorEvents[4]!.ts as string)
    expect(returned - removed).toBeGreaterThan(HOUR)
    const during = heartbeats(out).find((h) => h.at > removed + MINUTE && h.at < returned - MINUTE)
    expect(during?.kind === 'heartbeat' && during.payload.aed_present).toBe(false)
    expect(model.aedPresent).toBe(true)
  })

  it('never gets its AED back after a theft', () => {
    const model = new CabinetModel(indoorSpec, 9, START)
    model.trigger('theft', START + MINUTE)
    const out = model.advance(START + 10 * DAY)
    expect(events(out).some((e) => e.type === 'aed_returned')).toBe(false)
    expect(model.aedPresent).toBe(false)
    const last = heartbeats(out).at(-1)!
    expect(last.kind === 'heartbeat' && last.payload.aed_present).toBe(false)
    expect(model.trigger('rescue', START + 10 * DAY)).toBe(false)
  })

  it('drains its battery slowly, faster in the sun and in a heat wave', () => {
    // the same battery (same id and seed) in three places; one with plenty of charge left
    const spec = buildFleet({ count: 50, seed: 9 }).find(
      (c) => new CabinetModel(c, 9, START).batteryPct > 40,
    )!
    const indoorTwin = { ...spec, outdoor: false }
    const outdoorTwin = { ...spec, outdoor: true }
    // no inspection visits: a replaced battery would hide the drain
    const still = { ...DEFAULT_PARAMS, inspectionPerDay: 0 }
    const indoor = new CabinetModel(indoorTwin, 9, START, still)
    const sun = new CabinetModel(outdoorTwin, 9, START, still)
    const hot = new CabinetModel(outdoorTwin, 9, START, { ...still, extraHeatC: 8 })
    const before = [indoor, sun, hot].map((m) => m.batteryPct)
    for (const m of [indoor, sun, hot]) m.advance(START + 30 * DAY)
    const lost = [indoor, sun, hot].map((m, i) => before[i]! - m.batteryPct)
    expect(lost[0]!).toBeGreaterThan(0.5)
    expect(lost[0]!).toBeLessThan(5)
    expect(lost[1]!).toBeGreaterThan(lost[0]! * 1.2)
    expect(lost[2]!).toBeGreaterThan(lost[1]! * 1.2)
  })

  it('stamps messages with its own drifting clock, and a skewed clock hours off', () => {
    const skewed = new CabinetModel(indoorSpec, 9, START, { ...DEFAULT_PARAMS, clockSkewMs: 2 * HOUR })
    const hb = heartbeats(skewed.advance(START + 2 * MINUTE))[0]!
    expect(Date.parse(hb.kind === 'heartbeat' ? (hb.payload.ts as string) : '') - hb.at).toBeCloseTo(
      2 * HOUR,
      -2,
    )
    const drifting = new CabinetModel(indoorSpec, 9, START)
    const later = heartbeats(drifting.advance(START + 20 * DAY)).at(-1)!
    const drift = Math.abs(
      Date.parse(later.kind === 'heartbeat' ? (later.payload.ts as string) : '') - later.at,
    )
    expect(drift).toBeLessThan(20 * DAY * 30e-6 + 2)
  })

  it('loses mains now and then and reports backup power until it returns', () => {
    const model = new CabinetModel(outdoorSpec, 9, START, { ...DEFAULT_PARAMS, powerLossPerDay: 1 })
    const out = model.advance(START + 5 * DAY)
    const types = events(out)
      .filter((e) => e.type.startsWith('power'))
      .map((e) => e.type)
    expect(types.length).toBeGreaterThan(2)
    for (const [i, t] of types.entries()) expect(t).toBe(i % 2 === 0 ? 'power_lost' : 'power_restored')
    expect(heartbeats(out).some((h) => h.kind === 'heartbeat' && h.payload.power === 'backup')).toBe(true)
  })
})
