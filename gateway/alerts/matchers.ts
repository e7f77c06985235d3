import { compileMatcherRegex, type Matcher, parseMatcher } from '../lib/matcher-syntax.ts'
import type { Labels } from './types.ts'

export { type Matcher, matcherProblem, parseMatcher } from '../lib/matcher-syntax.ts'

/** A compiled matcher: regexes are anchored and linear-time (RE2), as in Alertmanager. */
export type MatchFn = (labels: Labels) => boolean

export function compileMatcher(m: Matcher): MatchFn {
  if (m.is_regex) {
    const matches = compileMatcherRegex(m.value)
    return (l) => matches(l[m.name] ?? '') === m.is_equal
  }
  return (l) => ((l[m.name] ?? '') === m.value) === m.is_equal
}

/** All must match (an empty list matches everything). */
export function compileAll(matchers: ReadonlyArray<Matcher | string>): MatchFn {
  const fns = matchers.map((m) => compileMatcher(typeof m === 'string' ? parseMatcher(m) : m))
  return (l) => fns.every((f) => f(l))
}
