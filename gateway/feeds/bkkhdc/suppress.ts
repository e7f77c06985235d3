/** What a suppressed cell holds instead of its number. */
export const SUPPRESSED = 'suppressed'

/**
 * Small-count suppression: a count from 1 to 4 is written as "suppressed" so that no single
 * emergency (an AED use, a missing AED) can be picked out of a district's month; 0 and 5+ are
 * written as they are. A measure computed from 1 to 4 cabinets or episodes is suppressed the same
 * way (`basis`), since it describes those few cabinets.
 */
export function suppressCount(n: number): number | typeof SUPPRESSED {
  return n >= 1 && n <= 4 ? SUPPRESSED : n
}

export function suppressMeasure<T>(value: T, basis: number): T | typeof SUPPRESSED {
  return basis >= 1 && basis <= 4 ? SUPPRESSED : value
}
