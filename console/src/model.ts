import { TEXT } from '../../gateway/alerts/messages.ts'
import { DISTRICTS } from '../../gateway/protocol/districts.ts'
import { currentLang } from './i18n.ts'

export interface Transition {
  at: string
  kind: string
  from: string | null
  to: string
  severity: string
  by: string
  comment: string | null
}

export interface AlertView {
  id: string
  cabinet_id: string
  type: string
  severity: 'minor' | 'warning' | 'major' | 'critical'
  state: 'active' | 'acknowledged' | 'resolved'
  team: string
  assignee: string | null
  labels: Record<string, string>
  summary: string
  started_at: string
  updated_at: string
  acknowledged_at: string | null
  acknowledged_by: string | null
  resolved_at: string | null
  resolved_by: string | null
  transitions?: Transition[]
}

export interface Settings {
  tile_url: string | null
  tile_attribution: string
  link_ttl_s: number
  self_resolving: string[]
}

export const SEVERITIES = ['critical', 'major', 'warning', 'minor'] as const
const RANK: Record<string, number> = { critical: 4, major: 3, warning: 2, minor: 1 }

/** Newest critical first: by severity, then by start, newest first. */
export function byUrgency(a: AlertView, b: AlertView): number {
  return (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0) || b.started_at.localeCompare(a.started_at)
}

export function districtName(code: string | undefined | null): string {
  const d = DISTRICTS.find((x) => x.code === code)
  if (!d) return code ?? ''
  return currentLang() === 'th' ? d.name_th : d.name_en
}

export function alertTitle(type: string): string {
  const text = TEXT[type]
  return text ? text[currentLang()][0] : type.replace(/_/g, ' ')
}

export function alertAction(type: string): string | null {
  return TEXT[type]?.[currentLang()][1] ?? null
}

let settings: Promise<Settings> | null = null
export function loadSettings(): Promise<Settings> {
  settings ??= fetch('/console/config.json', { credentials: 'omit' }).then(
    (r) => r.json() as Promise<Settings>,
  )
  return settings
}

export { DISTRICTS }

/** `GET /api/v1/coverage`: per district, the share of demand points within reach of a usable AED now. */
export interface CoverageDistrict {
  district_code: string
  district_name: string | null
  district_name_th: string | null
  radius_m: number
  points: number
  covered: number
  share: number
}

export interface Coverage {
  generated_at: string
  usable_aeds: number
  city: { points: number; covered: number; share: number }
  districts: CoverageDistrict[]
}

export const COVERAGE_BANDS = ['none', 'low', 'mid', 'full'] as const
export type CoverageBand = (typeof COVERAGE_BANDS)[number]

/** Shading steps: none covered, under half, half or more, all (a district's share moves in steps of 1/n). */
export function coverageBand(share: number): CoverageBand {
  if (share <= 0) return 'none'
  if (share < 0.5) return 'low'
  return share < 1 ? 'mid' : 'full'
}

/** "67%", in the page's language. */
export function percent(share: number): string {
  return new Intl.NumberFormat(currentLang() === 'th' ? 'th-TH' : 'en-GB', {
    style: 'percent',
    maximumFractionDigits: 0,
  }).format(share)
}
