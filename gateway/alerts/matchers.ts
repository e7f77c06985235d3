import type { Labels } from './types.ts'

export interface Matcher {
  name: string
  value: string
  is_regex: boolean
  is_equal: boolean
}

/** A compiled matcher: regexes are anchored, as in Alertmanager. */
export type MatchFn = (labels: Labels) => boolean

export function parseMatcher(text: string): Matcher {
  const m = /^([a-z_][a-z0-9_]*)(=~|!~|!=|=)(.*)$/.exec(text.trim())
  if (!m) throw new Error(`not a matcher: ${text}`)
  const op = m[2] as string
  let value = (m[3] as string).trim()
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
  return { name: m[1] as string, value, is_regex: op.includes('~'), is_equal: !op.startsWith('!') }
}

export function compileMatcher(m: Matcher): MatchFn {
  if (m.is_regex) {
    const re = new RegExp(`^(?:${m.value})$`)
    return (l) => re.test(l[m.name] ?? '') === m.is_equal
  }
  return (l) => ((l[m.name] ?? '') === m.value) === m.is_equal
}

/** All must match (an empty list matches everything). */
export function compileAll(matchers: ReadonlyArray<Matcher | string>): MatchFn {
  const fns = matchers.map((m) => compileMatcher(typeof m === 'string' ? parseMatcher(m) : m))
  return (l) => fns.every((f) => f(l))
}
