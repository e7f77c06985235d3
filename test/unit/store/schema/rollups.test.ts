import { describe, expect, it } from 'vitest'
import { continuousQuery } from '../../../../gateway/store/retention.ts'
import { EVENT, HEARTBEAT, ROLLUPS } from '../../../../gateway/store/schema/index.ts'

const rollup = (target: string) => {
  const r = ROLLUPS.find((x) => x.target === target)
  if (!r) throw new Error(`no rollup ${target}`)
  return r
}

describe('hourly rollups', () => {
  it('builds the heartbeat continuous query from the heartbeat fields', () => {
    expect(continuousQuery('aed', rollup('heartbeat_1h'), 6)).toBe(
      'CREATE CONTINUOUS QUERY "cq_heartbeat_1h" ON "aed" RESAMPLE EVERY 1h FOR 6h BEGIN ' +
        'SELECT mean("battery_pct") AS "battery_pct", min("battery_pct") AS "battery_pct_min", ' +
        'mean("temp_c") AS "temp_c", max("temp_c") AS "temp_c_max", ' +
        'min("pad_days_left") AS "pad_days_left", min("battery_days_left") AS "battery_days_left", ' +
        'min("rssi_dbm") AS "rssi_dbm_min", count("seq") AS "heartbeats" ' +
        'INTO "aed"."rollup"."heartbeat_1h" FROM "aed"."raw"."heartbeat" GROUP BY time(1h), * END',
    )
  })

  it('types a mean as float, a count as integer, min and max as their field', () => {
    expect(rollup('heartbeat_1h').measurement.fields).toMatchObject({
      battery_pct: 'float',
      pad_days_left: 'integer',
      heartbeats: 'integer',
    })
    expect(rollup('gateway_1h').measurement.fields).toMatchObject({
      connected: 'float',
      connected_min: 'integer',
    })
  })

  it('keeps the tags of its source measurement', () => {
    expect(rollup('heartbeat_1h').measurement.tags).toEqual(HEARTBEAT.tags)
    expect(rollup('event_1h').measurement.tags).toEqual(EVENT.tags)
  })
})
