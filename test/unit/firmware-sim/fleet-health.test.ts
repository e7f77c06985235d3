import { describe, expect, it } from 'vitest'
import { DAY, HOUR, isoDate } from '../../../firmware-sim/clock.ts'
import { buildFleet } from '../../../firmware-sim/fleet.ts'
import { CabinetModel } from '../../../firmware-sim/model/cabinet.ts'
import { DEFAULT_PARAMS, type ModelParams } from '../../../firmware-sim/model/params.ts'
import { createRandom } from '../../../firmware-sim/random.ts'
import { scenarioByName } from '../../../firmware-sim/scenarios/index.ts'
import type { HeartbeatWire } from '../../../gateway/protocol/index.ts'

/**
 * The default fleet against published inspections of public AEDs (Seoul, yearly 2013-2017,
 * Sci Rep 2022, 23,619 AEDs): 94-97.6 % in normal operation, good battery 95.6-96.8 %,
 * electrodes within date 87-90 %, 15.4 % not ready to use overall. "Bad" is what the gateway's
 * rules call critical (config/default.yaml): battery below 10 % or past its use-by date, pads past
 * theirs, a failed self-test.
 */
const START = Date.UTC(2026, 10, 12, 5, 0) // the demo backfills 14 days before it goes live
const DEMO = { count: 300, seed: 2026 }

interface Shares {
  goodBattery: number
  padsInDate: number
  normalOperation: number
  notReady: number
}

function shares(beats: HeartbeatWire[], at: number): Shares {
  const today = isoDate(at)
  const share = (f: (h: HeartbeatWire) => boolean) => beats.filter(f).length / beats.length
  const batteryBad = (h: HeartbeatWire) =>
    h.battery_pct < 10 || (h.battery_expiry !== undefined && h.battery_expiry < today)
  const padsExpired = (h: HeartbeatWire) => h.pad_expiry < today
  const fault = (h: HeartbeatWire) => h.self_test === 'fail'
  return {
    goodBattery: share((h) => !batteryBad(h)),
    padsInDate: share((h) => !padsExpired(h)),
    normalOperation: share((h) => !fault(h)),
    notReady: share((h) => batteryBad(h) || padsExpired(h) || fault(h)),
  }
}

/** Each cabinet's first heartbeat after `at` (models advanced from START, a heartbeat every 4 h). */
function snapshot(models: CabinetModel[], at: number): HeartbeatWire[] {
  return models.map((m) => {
    const beats = m.advance(at).filter((o) => o.kind === 'heartbeat')
    const last = beats.at(-1)
    if (last?.kind !== 'heartbeat') throw new Error(`${m.id}: no heartbeat by ${isoDate(at)}`)
    return last.payload
  })
}

function fleetModels(count: number, seed: number, scenario = 'default'): CabinetModel[] {
  const sc = scenarioByName(scenario)
  const rnd = createRandom(seed)
  return buildFleet({ count, seed, intervalS: 4 * 3600 }).map(
    (spec, i) => new CabinetModel(spec, seed, START, sc.params(DEFAULT_PARAMS, i, rnd) as ModelParams),
  )
}

function expectSeoulBands(s: Shares): void {
  expect(s.goodBattery).toBeGreaterThanOrEqual(0.956)
  expect(s.goodBattery).toBeLessThanOrEqual(0.968)
  expect(s.padsInDate).toBeGreaterThanOrEqual(0.87)
  expect(s.padsInDate).toBeLessThanOrEqual(0.9)
  expect(s.normalOperation).toBeGreaterThanOrEqual(0.94)
  expect(s.normalOperation).toBeLessThanOrEqual(0.976)
  expect(s.notReady).toBeGreaterThanOrEqual(0.13)
  expect(s.notReady).toBeLessThanOrEqual(0.18)
}

describe('the default fleet, calibrated to inspections of public AEDs', () => {
  it("is found as Seoul's inspections found theirs when the demo starts (300 cabinets, seed 2026)", () => {
    const models = fleetModels(DEMO.count, DEMO.seed)
    expectSeoulBands(shares(snapshot(models, START + 4 * HOUR), START + 4 * HOUR))
  })

  it('stays in those bands after the 14 days of history the demo backfills: maintenance keeps up', () => {
    const models = fleetModels(DEMO.count, DEMO.seed)
    const live = START + 14 * DAY
    expectSeoulBands(shares(snapshot(models, live), live))
  })

  it('holds for other seeds and fleet sizes: the shares are spread over the fleet, not drawn', () => {
    for (const [count, seed] of [
      [500, 7],
      [1000, 2027],
    ] as const) {
      expectSeoulBands(shares(snapshot(fleetModels(count, seed), START + 4 * HOUR), START + 4 * HOUR))
    }
  })

  it('keeps each battery level consistent with its use-by date: no flat battery years from expiry', () => {
    const beats = snapshot(fleetModels(DEMO.count, DEMO.seed), START + 4 * HOUR)
    for (const h of beats) {
      const yearsLeft = (Date.parse(h.battery_expiry ?? '') - START) / (365.25 * DAY)
      // flat (under 10 %) only near or past the use-by date; full only when it is years away
      if (h.battery_pct < 10) expect(yearsLeft).toBeLessThan(1)
      if (yearsLeft < 0) expect(h.battery_pct).toBeLessThan(30)
    }
    const levels = beats.map((h) => h.battery_pct).sort((a, b) => a - b)
    // most of a maintained fleet's batteries are well charged, not stuck between 0.2 and 2 %
    expect(levels[Math.floor(levels.length / 2)]).toBeGreaterThan(50)
  })

  it('still fails as the expiry scenario asks: many pads expired or due', () => {
    const beats = snapshot(fleetModels(DEMO.count, DEMO.seed, 'expiry'), START + 4 * HOUR)
    const today = isoDate(START + 4 * HOUR)
    const in30 = isoDate(START + 30 * DAY)
    expect(beats.filter((h) => h.pad_expiry < today).length / beats.length).toBeGreaterThanOrEqual(0.14)
    expect(beats.filter((h) => h.pad_expiry <= in30).length / beats.length).toBeGreaterThan(0.4)
  })

  it('still fails as the heatwave scenario asks: outdoor cabinets pass 45 °C, batteries drain faster', () => {
    const at = Date.UTC(2026, 3, 15, 7, 30) // 14:30 in Bangkok, April
    const hot = buildFleet({ count: DEMO.count, seed: DEMO.seed, intervalS: 600 })
    const run = (scenario: string) => {
      const params = scenarioByName(scenario).params(DEFAULT_PARAMS, 0, createRandom(1))
      return hot.map((spec) => {
        const m = new CabinetModel(spec, DEMO.seed, at - HOUR, params)
        const out = m.advance(at).filter((o) => o.kind === 'heartbeat')
        const last = out.at(-1)
        return last?.kind === 'heartbeat' ? last.payload : null
      })
    }
    const heat = run('heatwave').flatMap((h) => (h?.temp_c === undefined ? [] : [h.temp_c]))
    const normal = run('default').flatMap((h) => (h?.temp_c === undefined ? [] : [h.temp_c]))
    expect(heat.filter((t) => t > 45).length).toBeGreaterThan(normal.filter((t) => t > 45).length)
    expect(heat.filter((t) => t > 45).length).toBeGreaterThan(10)
  })
})
