import { bangkokHour, DAY } from '../clock.ts'
import { derive } from '../random.ts'

/**
 * Bangkok's mean daily temperature by month (°C, Thai Meteorological Department normals for
 * Bangkok Metropolis, rounded): cool-ish December-January, hottest in April.
 */
const MONTHLY_MEAN_C = [27.0, 28.3, 29.5, 30.5, 30.0, 29.5, 29.0, 28.8, 28.3, 28.2, 27.9, 26.8]

/** Shade temperature: about 26 °C before dawn to 35 °C mid-afternoon, varying by season. */
export function ambientC(ms: number): number {
  const month = new Date(ms + 7 * 3_600_000).getUTCMonth()
  const mean = MONTHLY_MEAN_C[month] ?? 28.5
  const h = bangkokHour(ms)
  // coolest around 06:00, warmest around 14:30: a cosine peaking at 14.5 h, flattened at night
  const diurnal = Math.cos(((h - 14.5) / 24) * 2 * Math.PI)
  return mean + 4.5 * diurnal
}

/** Extra heat on a sunny outdoor cabinet: up to ~9 °C inside a closed metal box at noon. */
export function solarGainC(ms: number): number {
  const h = bangkokHour(ms)
  if (h < 7 || h > 18.5) return 0
  return 9 * Math.sin(((h - 7) / 11.5) * Math.PI)
}

/**
 * City-wide heat waves, deterministic per seed: in each 12-day block there is a 20% chance of a
 * 3-5 day spell running 3-5 °C above normal.
 */
export function heatWaveC(seed: number, ms: number): number {
  const block = Math.floor(ms / (12 * DAY))
  const rnd = derive(seed, 'heatwave', String(block))
  if (!rnd.chance(0.2)) return 0
  const start = block * 12 * DAY + rnd.range(0, 7) * DAY
  const end = start + rnd.range(3, 5) * DAY
  if (ms < start || ms > end) return 0
  // ramps up over the first day and down over the last
  const edge = Math.min(ms - start, end - ms) / DAY
  return rnd.range(3, 5) * Math.min(1, edge)
}

export interface CabinetThermal {
  outdoor: boolean
  /** A per-cabinet offset: shade, colour of the box, airflow. */
  offsetC: number
}

/**
 * Temperature inside a cabinet. Indoor cabinets sit in air-conditioned or shaded halls that follow
 * the outside only a little; outdoor ones follow the shade temperature plus sun.
 */
export function cabinetTempC(ms: number, cab: CabinetThermal, extraC: number): number {
  const ambient = ambientC(ms) + extraC
  if (!cab.outdoor) return 25.5 + 0.3 * (ambient - 29) + cab.offsetC * 0.3
  return ambient + solarGainC(ms) * (1 + extraC / 15) + cab.offsetC
}
