/** What a suppressed cell holds instead of its number. */
export const SUPPRESSED = 'suppressed'

/** The smallest number of cabinets, episodes or contributors a published figure may rest on. */
export const MIN_BASIS = 5

/**
 * Small-count suppression: a count from 1 to 4 is written as "suppressed" so that no single
 * emergency (an AED use, a missing AED) can be picked out of a district's month; 0 and 5+ are
 * written as they are. A measure computed from 1 to 4 cabinets or episodes is suppressed the same
 * way (`basis`), since it describes those few cabinets.
 */
export function suppressCount(n: number): number | typeof SUPPRESSED {
  return n >= 1 && n < MIN_BASIS ? SUPPRESSED : n
}

export function suppressMeasure<T>(value: T, basis: number): T | typeof SUPPRESSED {
  return basis >= 1 && basis < MIN_BASIS ? SUPPRESSED : value
}

/** Width of an hours band: hours are published as whole-hour intervals. */
export const HOURS_BAND = 1

/** The band [lo, hi] an hours value falls in; [0, 0] only when no cabinet contributed. */
export function hoursBand(hours: number, contributors: number): [number, number] {
  if (contributors === 0) return [0, 0]
  const lo = Math.floor(hours / HOURS_BAND) * HOURS_BAND
  return [lo, lo + HOURS_BAND]
}

/** `0` when no cabinet contributed, "suppressed" for 1 to 4, else the band as "lo-hi" (e.g. "2-3"). */
export function hoursCell(hours: number, contributors: number): number | string {
  if (contributors === 0) return 0
  if (contributors < MIN_BASIS) return SUPPRESSED
  const [lo, hi] = hoursBand(hours, contributors)
  return `${lo}-${hi}`
}

/**
 * The availability band of a district-day: the share of monitored cabinet-hours in which the AED
 * was ready, as "lo-hi" (two decimals), or null when nothing was monitored.
 *
 * It is made no sharper than the hours bands next to it: every availability consistent with the
 * not-ready and not-monitored bands (suppressed cells counted with the band they would have had)
 * is inside it. So the row's one linear relation (ready + not ready + not monitored = registered
 * cabinet-hours) cannot narrow a suppressed cell below its band: with the other cells at their
 * values, the cell's band ends both give an availability inside the published band.
 */
export function availabilityBand(
  registeredHours: number,
  notReady: { lo: number; hi: number; value: number },
  notMonitored: { lo: number; hi: number; value: number },
): string | null {
  if (registeredHours - notMonitored.value <= 0) return null
  const share = (r: number, n: number) => (registeredHours - n <= 0 ? 0 : 1 - r / (registeredHours - n))
  const actual = share(notReady.value, notMonitored.value)
  const min = Math.max(0, Math.min(actual, share(notReady.hi, notMonitored.hi)))
  const max = Math.min(1, Math.max(actual, share(notReady.lo, notMonitored.lo)))
  let lo = Math.floor(min * 100) / 100
  if (lo > min) lo -= 0.01
  let hi = Math.ceil(max * 100) / 100
  if (hi < max) hi += 0.01
  return `${Math.max(0, lo).toFixed(2)}-${Math.min(1, hi).toFixed(2)}`
}
