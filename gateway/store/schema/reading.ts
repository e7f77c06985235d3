/** Where a cabinet reading's point comes from: shared by `heartbeat`, `event` and `status`. */
export interface PointMeta {
  cabinet: string
  district: string
  /** Point time: the device's time (status: the receive time). */
  timeMs: number
  receivedMs: number
  skewMs: number
  skewed: boolean
}

/** Tags every cabinet reading carries: low cardinality only (a few thousand cabinets, 50 districts). */
export const READING_TAGS = ['cabinet', 'district'] as const

export function readingTags(m: PointMeta): { cabinet: string; district: string } {
  return { cabinet: m.cabinet, district: m.district }
}
