import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERRORS, type ErrorCode } from '../../../gateway/lib/errors.ts'

const ROOT = join(import.meta.dirname, '../../..')
const GATEWAY = join(ROOT, 'gateway')
const DOC = join(ROOT, 'docs/errors.md')
const START = '<!-- catalogue: generated from gateway/lib/errors.ts -->'
const END = '<!-- end of catalogue -->'

/** Every .ts file under gateway/, as [path relative to gateway/, text]. */
function sources(): Array<[string, string]> {
  return readdirSync(GATEWAY, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f.split('\\').join('/'), readFileSync(join(GATEWAY, f), 'utf8')])
}

const codesIn = (text: string) => new Set(text.match(/AEDGW_ERR_[A-Z0-9_]+/g) ?? [])

/** `Object.assign(new …Error(…), { code | statusCode … })`: a code or status bolted onto an error. */
function boltedOn(text: string): string[] {
  // string contents could hold brackets: blank them out first
  const code = text.replace(/'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"|`(?:\\.|[^\\`])*`/g, (q) =>
    q.slice(0, 1).repeat(2),
  )
  const found: string[] = []
  for (const m of code.matchAll(/Object\.assign\(\s*new\s+\w*Error\b/g)) {
    let depth = 0
    let end = m.index
    for (; end < code.length; end++) {
      const ch = code[end] as string
      if ('([{'.includes(ch)) depth++
      else if (')]}'.includes(ch) && --depth === 0) break
    }
    const call = code.slice(m.index, end + 1)
    if (/[{,]\s*(?:code|statusCode)\s*[:,}]/.test(call)) found.push(call.replace(/\s+/g, ' '))
  }
  return found
}

/** The docs/errors.md table, rendered from the catalogue. */
function table(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|')
  const rows = Object.entries(ERRORS).map(([code, spec]) => {
    const status =
      'internal' in spec && code !== 'AEDGW_ERR_INTERNAL'
        ? `${spec.status} (answered as \`AEDGW_ERR_INTERNAL\`)`
        : String(spec.status)
    return `| \`${code}\` | ${status} | ${cell(spec.message)} | ${cell(spec.action)} |`
  })
  return ['| code | status | meaning | what to do |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

describe('the error catalogue', () => {
  it('holds every AEDGW_ERR_ code written anywhere in gateway/', () => {
    const unknown = sources().flatMap(([file, text]) =>
      [...codesIn(text)].filter((c) => !(c in ERRORS)).map((c) => `${file}: ${c}`),
    )
    expect(unknown).toEqual([])
  })

  it('holds no code that gateway/ never uses', () => {
    const used = new Set(
      sources()
        .filter(([file]) => file !== 'lib/errors.ts')
        .flatMap(([, text]) => [...codesIn(text)]),
    )
    expect(Object.keys(ERRORS).filter((c) => !used.has(c))).toEqual([])
  })

  it('gives each code a status a client can be answered with, a message and something to do', () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.status, code).toBeGreaterThanOrEqual(400)
      expect(spec.status, code).toBeLessThan(600)
      expect(spec.message.length, code).toBeGreaterThan(5)
      expect(spec.action.length, code).toBeGreaterThan(5)
    }
    const code: ErrorCode = 'AEDGW_ERR_INFLUX_UNAVAILABLE'
    expect(ERRORS[code].status).toBe(503)
  })

  it('leaves HTTP statuses to the API: no status or code is bolted onto an error in gateway/', () => {
    const bolted = sources().flatMap(([file, text]) => boltedOn(text).map((c) => `${file}: ${c}`))
    expect(bolted).toEqual([])
    // only api/ answers HTTP; elsewhere statusCode may be read (InfluxDB's replies), never set
    const setting = sources()
      .filter(([file]) => !file.startsWith('api/'))
      .filter(([, text]) => /\bstatusCode\s*(?::|=(?!=))/.test(text))
      .map(([file]) => file)
    expect(setting).toEqual([])
  })

  it('finds a bolted-on code or status the way the code base once wrote them', () => {
    expect(boltedOn('x = Object.assign(new Error(reply.message), { code: reply.code })')).toHaveLength(1)
    const multiline = `throw Object.assign(
  new AedgwError('AEDGW_ERR_PERIOD_NOT_OVER', \`\${month} has not ended yet (Bangkok time)\`),
  {
    statusCode: 409,
  },
)`
    expect(boltedOn(multiline)).toHaveLength(1)
    // aedes wants returnCode on a refused CONNECT: that is MQTT's, not ours
    expect(boltedOn('Object.assign(new Error(outcome.reason), { returnCode: outcome.code })')).toEqual([])
  })

  it('is documented in docs/errors.md exactly as it is', () => {
    const doc = readFileSync(DOC, 'utf8')
    const start = doc.indexOf(START)
    const end = doc.indexOf(END)
    expect(start, `${relative(ROOT, DOC)} lacks its markers`).toBeGreaterThanOrEqual(0)
    expect(end).toBeGreaterThan(start)
    const fresh = `${doc.slice(0, start + START.length)}\n${table()}\n${doc.slice(end)}`
    // AEDGW_UPDATE_DOCS=1 rewrites the table after the catalogue changed
    if (process.env.AEDGW_UPDATE_DOCS === '1') writeFileSync(DOC, fresh)
    expect(doc, 'run: AEDGW_UPDATE_DOCS=1 npx vitest run test/unit/lib/errors.test.ts').toBe(fresh)
  })

  it('agrees with every "status AEDGW_ERR_…" the docs and README mention', () => {
    const files = [
      join(ROOT, 'README.md'),
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(ROOT, 'docs', f)),
    ]
    const wrong: string[] = []
    let seen = 0
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      for (const c of codesIn(text)) if (!(c in ERRORS)) wrong.push(`${relative(ROOT, f)}: unknown ${c}`)
      for (const m of text.matchAll(/\b([1-5]\d\d)\s+`?(AEDGW_ERR_[A-Z0-9_]+)/g)) {
        seen++
        const spec = ERRORS[m[2] as ErrorCode]
        if (spec && spec.status !== Number(m[1])) wrong.push(`${relative(ROOT, f)}: ${m[0]}`)
      }
    }
    expect(wrong).toEqual([])
    expect(seen).toBeGreaterThan(3)
  })
})
