import type { Registration } from '../gateway/protocol/index.ts'

/** Where cabinets stand. Each kind fixes access, indoor/outdoor and usual opening hours. */
export type SiteKind =
  | 'rail_station'
  | 'district_office'
  | 'park'
  | 'hospital'
  | 'school'
  | 'mall'
  | 'condominium'

export interface SiteTemplate {
  kind: SiteKind
  /** Relative frequency in a fleet. */
  weight: number
  access: NonNullable<Registration['access']>
  indoor: boolean
  /** OpenStreetMap opening_hours syntax (https://wiki.openstreetmap.org/wiki/Key:opening_hours). */
  openingHours: string
  name(district: string, place?: string): string
  nameTh(district: string, place?: string): string
  note: string
}

export const SITE_TEMPLATES: readonly SiteTemplate[] = [
  {
    kind: 'rail_station',
    weight: 3,
    access: 'yes',
    indoor: true,
    openingHours: 'Mo-Su 05:30-24:00',
    name: (d, p) => `${p ?? d} Station`,
    nameTh: (d, p) => `สถานีรถไฟฟ้า${p ?? d}`,
    note: 'concourse level, beside the ticket gates',
  },
  {
    kind: 'district_office',
    weight: 2,
    access: 'yes',
    indoor: false,
    openingHours: 'Mo-Fr 08:30-16:30; PH off',
    name: (d) => `${d} District Office`,
    nameTh: (d) => `สำนักงานเขต${d}`,
    note: 'beside the main entrance',
  },
  {
    kind: 'park',
    weight: 2,
    access: 'yes',
    indoor: false,
    openingHours: 'Mo-Su 04:30-21:00',
    name: (d, p) => p ?? `${d} Public Park`,
    nameTh: (d, p) => p ?? `สวนสาธารณะเขต${d}`,
    note: 'at the jogging track entrance, in the sun after noon',
  },
  {
    kind: 'hospital',
    weight: 1,
    access: 'yes',
    indoor: true,
    openingHours: '24/7',
    name: (d, p) => p ?? `${d} Public Health Centre`,
    nameTh: (d, p) => p ?? `ศูนย์บริการสาธารณสุขเขต${d}`,
    note: 'outpatient lobby, next to the pharmacy',
  },
  {
    kind: 'school',
    weight: 2,
    access: 'permissive',
    indoor: false,
    openingHours: 'Mo-Fr 07:00-17:00',
    name: (d) => `${d} District School`,
    nameTh: (d) => `โรงเรียนประจำเขต${d}`,
    note: 'covered walkway by the sports field',
  },
  {
    kind: 'mall',
    weight: 2,
    access: 'customers',
    indoor: true,
    openingHours: 'Mo-Su 10:00-22:00',
    name: (d, p) => p ?? `${d} Shopping Centre`,
    nameTh: (d, p) => p ?? `ศูนย์การค้าเขต${d}`,
    note: 'ground floor, by the information counter',
  },
  {
    kind: 'condominium',
    weight: 1,
    access: 'private',
    indoor: false,
    openingHours: '24/7',
    name: (d) => `${d} Residence Condominium`,
    nameTh: (d) => `คอนโดมิเนียม ${d} เรสซิเดนซ์`,
    note: 'lobby entrance, under the canopy',
  },
]

/**
 * Real, well-known places by district code, used before generic names (English, Thai). Sources:
 * BTS/MRT station lists and city park/hospital listings; positions come from the district data.
 */
export const NAMED_PLACES: Partial<Record<string, Partial<Record<SiteKind, [string, string][]>>>> = {
  '1007': {
    rail_station: [
      ['BTS Siam', 'สยาม'],
      ['BTS Chit Lom', 'ชิดลม'],
      ['MRT Sam Yan', 'สามย่าน'],
    ],
    park: [['Lumphini Park', 'สวนลุมพินี']],
    hospital: [['King Chulalongkorn Memorial Hospital', 'โรงพยาบาลจุฬาลงกรณ์']],
    mall: [['MBK Center', 'เอ็ม บี เค เซ็นเตอร์']],
  },
  '1004': {
    rail_station: [
      ['BTS Sala Daeng', 'ศาลาแดง'],
      ['MRT Si Lom', 'สีลม'],
    ],
  },
  '1039': {
    rail_station: [
      ['BTS Asok', 'อโศก'],
      ['BTS Thong Lo', 'ทองหล่อ'],
    ],
    mall: [['Terminal 21 Asok', 'เทอร์มินอล 21 อโศก']],
  },
  '1033': {
    park: [['Benjakitti Forest Park', 'สวนป่าเบญจกิติ']],
    rail_station: [['MRT Queen Sirikit', 'ศูนย์การประชุมแห่งชาติสิริกิติ์']],
  },
  '1030': {
    rail_station: [
      ['BTS Mo Chit', 'หมอชิต'],
      ['MRT Chatuchak Park', 'สวนจตุจักร'],
    ],
    park: [['Chatuchak Park', 'สวนจตุจักร']],
    mall: [['Central Ladprao', 'เซ็นทรัล ลาดพร้าว']],
  },
  '1037': {
    rail_station: [['BTS Victory Monument', 'อนุสาวรีย์ชัยสมรภูมิ']],
    hospital: [
      ['Ramathibodi Hospital', 'โรงพยาบาลรามาธิบดี'],
      ['Rajavithi Hospital', 'โรงพยาบาลราชวิถี'],
    ],
  },
  '1020': { hospital: [['Siriraj Hospital', 'โรงพยาบาลศิริราช']] },
  '1002': { hospital: [['Vajira Hospital', 'โรงพยาบาลวชิรพยาบาล']] },
  '1032': { park: [['Suan Luang Rama IX', 'สวนหลวง ร.9']] },
  '1014': {
    rail_station: [
      ['BTS Ari', 'อารีย์'],
      ['BTS Saphan Khwai', 'สะพานควาย'],
    ],
  },
  '1017': { rail_station: [['MRT Thailand Cultural Centre', 'ศูนย์วัฒนธรรมแห่งประเทศไทย']] },
  '1029': { rail_station: [['MRT Bang Sue', 'บางซื่อ']] },
  '1047': {
    rail_station: [
      ['BTS Bang Na', 'บางนา'],
      ['BTS Udom Suk', 'อุดมสุข'],
    ],
  },
  '1009': { rail_station: [['BTS On Nut', 'อ่อนนุช']] },
  '1015': { rail_station: [['BTS Wongwian Yai', 'วงเวียนใหญ่']] },
  '1001': { rail_station: [['MRT Sanam Chai', 'สนามไชย']] },
  '1013': { rail_station: [['MRT Wat Mangkon', 'วัดมังกร']] },
  '1026': { rail_station: [['MRT Phra Ram 9', 'พระราม 9']] },
  '1036': { rail_station: [['SRT Don Mueang', 'ดอนเมือง']] },
  '1011': { rail_station: [['ARL Lat Krabang', 'ลาดกระบัง']] },
}

export function pickWeighted(templates: readonly SiteTemplate[], u: number): SiteTemplate {
  const total = templates.reduce((s, t) => s + t.weight, 0)
  let x = u * total
  for (const t of templates) {
    x -= t.weight
    if (x < 0) return t
  }
  return templates[templates.length - 1] as SiteTemplate
}
