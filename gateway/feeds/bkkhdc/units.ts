import { districtByCode } from '../../protocol/districts.ts'
import type { Period } from './period.ts'
import { MIN_BASIS } from './suppress.ts'

/** A registered cabinet as the dataset needs it (never written out). */
export interface RegisteredCabinet {
  id: string
  district: string
  createdMs: number
  /** When it was retired (the registry's last update), null while in service. */
  retiredMs: number | null
}

/** The reporting unit that stands for the districts with fewer than 5 cabinets. */
export const GROUP_CODE = 'small'
const GROUP_NAMES = { en: 'Districts with fewer than 5 cabinets', th: 'เขตที่มีตู้น้อยกว่า 5 ตู้' }

/** What a row of the dataset is about: one district, or the group of small districts. */
export interface Unit {
  code: string
  name_en: string | null
  name_th: string | null
  districts: Set<string>
  /**
   * The group itself had fewer than 5 cabinets on some day: every measure of it is suppressed,
   * zeros included, since a group of one or two districts would say where something happened.
   */
  tooSmall: boolean
}

/** Each cabinet's time in service within [fromMs, toMs), or null when none. */
export function inService(c: RegisteredCabinet, fromMs: number, toMs: number): [number, number] | null {
  const from = Math.max(fromMs, c.createdMs)
  const to = Math.min(toMs, c.retiredMs ?? toMs)
  return to > from ? [from, to] : null
}

/**
 * The districts to merge into the group: those with fewer than 5 cabinets in service on some day
 * of the month. Reported alone, a "suppressed" next to a 0 in a district of 1 to 4 cabinets says
 * an emergency happened there that day.
 */
/** Whether the cabinets of these districts were fewer than 5 on some day of the month. */
export function fewerThanMinimum(
  period: Period,
  active: readonly RegisteredCabinet[],
  districts: ReadonlySet<string>,
): boolean {
  return period.days.some(
    (day) =>
      active.filter((c) => districts.has(c.district) && inService(c, day.startMs, day.endMs)).length <
      MIN_BASIS,
  )
}

export function smallDistricts(period: Period, active: readonly RegisteredCabinet[]): string[] {
  const codes = [...new Set(active.map((c) => c.district))].sort()
  return codes.filter((code) => fewerThanMinimum(period, active, new Set([code])))
}

/**
 * The units of a month: every district with a cabinet in service, alone, except those in
 * `grouped`, which make one unit (listed last). A rebuild passes the first build's `grouped`, so
 * its rows are cut the same way and cannot be differenced against the first.
 */
export function unitsOf(
  districts: readonly string[],
  grouped: readonly string[],
  groupTooSmall: boolean,
): Unit[] {
  const inGroup = new Set(grouped)
  const units: Unit[] = [...new Set(districts)]
    .filter((code) => !inGroup.has(code))
    .sort()
    .map((code) => {
      const d = districtByCode(code)
      return {
        code,
        name_en: d?.name_en ?? null,
        name_th: d?.name_th ?? null,
        districts: new Set([code]),
        tooSmall: false,
      }
    })
  if (inGroup.size > 0)
    units.push({
      code: GROUP_CODE,
      name_en: GROUP_NAMES.en,
      name_th: GROUP_NAMES.th,
      districts: inGroup,
      tooSmall: groupTooSmall,
    })
  return units
}
