import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MEASUREMENTS, type Measurement, ROLLUPS } from '../../../../gateway/store/schema/index.ts'

const doc = readFileSync(new URL('../../../../docs/influxdb-schema.md', import.meta.url), 'utf8')

interface Documented {
  tags: string[]
  fields: Record<string, string>
}

/** The `## \`name\`` (or `###`) section's table rows: `| tag | \`key\` | | … |`, `| field | \`key\` | type | … |`. */
function documented(name: string): Documented | null {
  const lines = doc.split('\n')
  const start = lines.findIndex((l) => new RegExp(`^#{2,3} \`${name}\`$`).test(l))
  if (start < 0) return null
  const out: Documented = { tags: [], fields: {} }
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,3} /.test(line)) break
    const row = /^\|\s*(tag|field)\s*\|\s*`([^`]+)`\s*\|\s*([^|]*?)\s*\|/.exec(line)
    if (!row) continue
    const [, kind, key, type] = row as unknown as [string, string, string, string]
    if (kind === 'tag') out.tags.push(key)
    else out.fields[key] = type
  }
  return out
}

function expected(m: Measurement): Documented {
  const fields: Record<string, string> = { ...m.fields }
  if (m.extraPrefix !== undefined) fields[`${m.extraPrefix}*`] = 'any'
  return { tags: [...m.tags].sort(), fields }
}

describe('docs/influxdb-schema.md', () => {
  const all = [...MEASUREMENTS, ...ROLLUPS.map((r) => r.measurement)]

  it('documents eight measurements written by the gateway and four rollups', () => {
    expect(MEASUREMENTS.map((m) => m.name)).toEqual([
      'heartbeat',
      'event',
      'status',
      'alert',
      'readiness',
      'gateway',
      'gateway_rejections',
      'coverage',
    ])
    expect(ROLLUPS.map((r) => r.target)).toEqual(['heartbeat_1h', 'event_1h', 'alert_1h', 'gateway_1h'])
  })

  it.each(all.map((m) => [m.name, m] as const))(
    'lists every tag and field of %s, with its type',
    (name, m) => {
      const d = documented(name)
      expect(d, `no section for ${name}`).not.toBeNull()
      expect({ tags: [...(d?.tags ?? [])].sort(), fields: d?.fields }).toEqual(expected(m))
    },
  )

  it('has a section for nothing the schema does not declare', () => {
    const headings = [...doc.matchAll(/^#{2,3} `([^`]+)`$/gm)].map((h) => h[1])
    expect(headings.sort()).toEqual(all.map((m) => m.name).sort())
  })

  it('names every measurement in its overview table', () => {
    for (const m of MEASUREMENTS) expect(doc).toMatch(new RegExp(`^\\| \`${m.name}\` \\|`, 'm'))
  })
})
