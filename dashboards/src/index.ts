import { alerts } from './alerts.ts'
import { cabinet } from './cabinet.ts'
import { fleet } from './fleet.ts'
import { gateway } from './gateway.ts'
import { type DashboardSpec, dashboardJson } from './lib.ts'
import { maintenance } from './maintenance.ts'

/** Every dashboard, by the file it is committed as under dashboards/grafana/. */
export const DASHBOARDS: Record<string, DashboardSpec> = {
  'fleet-overview.json': fleet,
  'cabinet.json': cabinet,
  'maintenance.json': maintenance,
  'alerts.json': alerts,
  'gateway.json': gateway,
}

/** The exact text committed for each dashboard (2-space JSON, trailing newline). */
export function render(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(DASHBOARDS).map(([file, d]) => [file, `${JSON.stringify(dashboardJson(d), null, 2)}\n`]),
  )
}
