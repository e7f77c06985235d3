import { RE2JS } from 're2js'

/** An Alertmanager-style matcher: `label=value`, `label!=value`, `label=~regex`, `label!~regex`. */
export interface Matcher {
  name: string
  value: string
  is_regex: boolean
  is_equal: boolean
}

/** The longest regular expression a matcher may hold, in characters. */
export const MAX_MATCHER_REGEX_LENGTH = 256

export function parseMatcher(text: string): Matcher {
  const m = /^([a-z_][a-z0-9_]*)(=~|!~|!=|=)(.*)$/.exec(text.trim())
  if (!m) throw new Error(`not a matcher: ${text}`)
  const op = m[2] as string
  let value = (m[3] as string).trim()
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
  return { name: m[1] as string, value, is_regex: op.includes('~'), is_equal: !op.startsWith('!') }
}

/**
 * Matcher regexes run on RE2 (re2js), anchored as in Alertmanager: matching time is linear in
 * the input whatever the pattern, so no matcher can hold the event loop (`(.*){25}x` backtracks
 * for minutes in `RegExp`). RE2 has no backreferences or lookaround: the syntax Alertmanager's
 * Go matchers accept. Silences, routes, inhibitions and maintenance windows all use this one.
 */
export function compileMatcherRegex(value: string): (input: string) => boolean {
  const re = RE2JS.compile(`^(?:${value})$`)
  return (input) => re.matches(input)
}

/** Why a matcher cannot be used, or null when it can: checked wherever matchers are made. */
export function matcherProblem(m: Matcher): string | null {
  if (!m.is_regex) return null
  if (m.value.length > MAX_MATCHER_REGEX_LENGTH) {
    return `regular expression longer than ${MAX_MATCHER_REGEX_LENGTH} characters`
  }
  try {
    compileMatcherRegex(m.value)
    return null
  } catch (err) {
    return `invalid regular expression (RE2 syntax): ${(err as Error).message}`
  }
}

/** The problem with matcher text, or null. */
export function matcherTextProblem(text: string): string | null {
  try {
    return matcherProblem(parseMatcher(text))
  } catch (err) {
    return (err as Error).message
  }
}
