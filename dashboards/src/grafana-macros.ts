/**
 * What Grafana's InfluxQL datasource does to a raw query before sending it, so tests can run
 * the committed queries as Grafana would (public/app/plugins/datasource/influxdb/datasource.ts:
 * getTimeFilter, getInfluxTime, interpolateQueryExpr).
 */

export interface VariableValue {
  /** One value, several (multi-value), or '$__all'. */
  value: string | string[]
  multi: boolean
  includeAll: boolean
  allValue?: string
}

export interface GrafanaContext {
  /** Raw range as the time picker holds it: 'now-7d', 'now', 'now+14d', or epoch ms. */
  from: string | number
  to: string | number
  /** The moment "now" means, for relative ranges Grafana resolves to absolute times. */
  nowMs: number
  intervalMs: number
  variables: Record<string, VariableValue>
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `now-6h` → `now() - 6h`; `now` → `now()`; anything else → absolute `…ms`, as getInfluxTime. */
export function influxTime(t: string | number, nowMs: number): string {
  if (typeof t === 'number') return `${t}ms`
  if (t === 'now') return 'now()'
  const minus = /^now-(\d+)([dhms])$/.exec(t)
  if (minus) return `now() - ${minus[1]}${minus[2]}`
  const plus = /^now([+-])(\d+)([smhdw])$/.exec(t)
  if (!plus) throw new Error(`unsupported time ${t}`)
  const ms = Number(plus[2]) * (UNITS[plus[3] as string] as number)
  return `${plus[1] === '+' ? nowMs + ms : nowMs - ms}ms`
}

export function timeFilter(ctx: GrafanaContext): string {
  return `time >= ${influxTime(ctx.from, ctx.nowMs)} and time <= ${influxTime(ctx.to, ctx.nowMs)}`
}

/** 90000 → '1m' style, as Grafana's rangeUtil.secondsToHms for whole units. */
export function intervalText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`
  return `${ms}ms`
}

/** Grafana escapes regex specials of each value of a multi-value or All variable. */
function regexEscape(v: string): string {
  return v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&')
}

function variableText(v: VariableValue): string {
  const values = Array.isArray(v.value) ? v.value : [v.value]
  if (values.length === 1 && values[0] === '$__all' && v.includeAll) return v.allValue ?? '.*'
  if (!v.multi && !v.includeAll) return values.join(',')
  const escaped = values.map(regexEscape)
  return escaped.length === 1 ? (escaped[0] as string) : `(${escaped.join('|')})`
}

/** The query as Grafana sends it: macros first, then template variables ($name and ${name}). */
export function interpolate(query: string, ctx: GrafanaContext): string {
  let q = query
    .replaceAll('$timeFilter', timeFilter(ctx))
    .replaceAll('$__interval_ms', String(ctx.intervalMs))
    .replaceAll('$__interval', intervalText(ctx.intervalMs))
    .replaceAll('$interval', intervalText(ctx.intervalMs))
  const names = Object.keys(ctx.variables).sort((a, b) => b.length - a.length)
  for (const name of names) {
    const text = variableText(ctx.variables[name] as VariableValue)
    q = q.replaceAll(`\${${name}}`, text).replaceAll(`$${name}`, text)
  }
  const left = /\$(?:__)?[A-Za-z_]\w*/.exec(q)
  if (left) throw new Error(`unsubstituted ${left[0]} in ${q}`)
  return q
}
