import type { Registry } from '../registry/registry.ts'
import type { CabinetInfo } from './types.ts'

/** A registered, active cabinet's district and heartbeat interval; null: not alerted on. */
export function cabinetInfo(registry: Pick<Registry, 'get'>, id: string): CabinetInfo | null {
  const c = registry.get(id)
  if (!c || c.retired) return null
  return {
    district: c.registration.district_code,
    heartbeat_interval_s: c.registration.heartbeat_interval_s,
  }
}

/** Registered, active cabinets by district code. */
export function activeByDistrict(registry: Pick<Registry, 'list'>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const c of registry.list()) {
    if (c.retired) continue
    const code = c.registration.district_code
    const list = out.get(code) ?? []
    list.push(c.registration.id)
    out.set(code, list)
  }
  return out
}
