import type { RouteConfig } from './config.ts'
import { compileAll, type MatchFn } from './matchers.ts'
import type { Labels } from './types.ts'

/** A node of the routing tree with its inherited settings resolved. */
export interface Route {
  id: string
  receiver: string
  match: MatchFn
  continue: boolean
  group_by: string[]
  group_wait_ms: number
  group_interval_ms: number
  repeat_interval_ms: number
  send_resolved: boolean
  escalations: Array<{ after_ms: number; receiver: string }>
  routes: Route[]
}

const ROOT_DEFAULTS = {
  group_by: ['district', 'type'],
  group_wait_ms: 30_000,
  group_interval_ms: 300_000,
  repeat_interval_ms: 14_400_000,
  send_resolved: true,
}

/** Children inherit their parent's receiver, grouping and timings unless they set their own. */
export function buildRoute(cfg: RouteConfig, parent: Route | null = null, id = 'root'): Route {
  const base = parent ?? { ...ROOT_DEFAULTS, receiver: 'default', escalations: [] }
  const route: Route = {
    id,
    receiver: cfg.receiver ?? base.receiver,
    // the root matches every alert (as in Alertmanager)
    match: parent ? compileAll(cfg.matchers ?? []) : () => true,
    continue: cfg.continue ?? false,
    group_by: cfg.group_by ?? base.group_by,
    group_wait_ms: cfg.group_wait_ms ?? base.group_wait_ms,
    group_interval_ms: cfg.group_interval_ms ?? base.group_interval_ms,
    repeat_interval_ms: cfg.repeat_interval_ms ?? base.repeat_interval_ms,
    send_resolved: cfg.send_resolved ?? base.send_resolved,
    escalations: cfg.escalations ?? base.escalations,
    routes: [],
  }
  route.routes = (cfg.routes ?? []).map((c, i) => buildRoute(c, route, `${id}.${i}`))
  return route
}

/**
 * The routes an alert goes to, Alertmanager's way: depth first, the first matching child wins
 * unless it sets `continue`; a node none of whose children match takes the alert itself.
 */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!route.match(labels)) return []
  const out: Route[] = []
  for (const child of route.routes) {
    const found = matchRoutes(child, labels)
    if (found.length === 0) continue
    out.push(...found)
    if (!child.continue) break
  }
  return out.length > 0 ? out : [route]
}
