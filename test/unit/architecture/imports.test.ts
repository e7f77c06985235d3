import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkImports, layerOf } from '../../../scripts/check-architecture.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A throwaway gateway/ tree: path → source. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'aedgw-imports-'))
  dirs.push(root)
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), source)
  }
  return root
}

describe('import rules', () => {
  it('finds nothing wrong in gateway/', () => {
    expect(checkImports(join(import.meta.dirname, '../../../gateway'))).toEqual([])
  })

  it('accepts a later stage importing an earlier one and every stage importing lib/', () => {
    const root = tree({
      'lib/clock.ts': 'export const now = () => 0\n',
      'ingest/ingest.ts': "import { now } from '../lib/clock.ts'\nexport type Reading = { at: number }\n",
      'state/live-state.ts': "import type { Reading } from '../ingest/ingest.ts'\nexport const x = 1\n",
      'app.ts': "import { x } from './state/live-state.ts'\n",
    })
    expect(checkImports(root)).toEqual([])
  })

  it('fails when a stage imports a later stage', () => {
    const root = tree({
      'state/readiness.ts': "import { RULES } from '../rules/index.ts'\n",
      'rules/index.ts': 'export const RULES = []\n',
    })
    expect(checkImports(root)).toEqual([
      { file: 'state/readiness.ts', message: "'state' imports 'rules', a later stage (rules/index.ts)" },
    ])
  })

  it('fails on a type-only import against the order too', () => {
    const root = tree({
      'lib/metrics.ts': "import type { Alert } from '../alerts/types.ts'\n",
      'alerts/types.ts': 'export interface Alert { id: string }\n',
    })
    expect(checkImports(root).map((v) => v.file)).toEqual(['lib/metrics.ts'])
  })

  it('fails on a cycle inside one folder', () => {
    const root = tree({
      'alerts/messages.ts': "import type { N } from './notifiers/notifier.ts'\nexport type C = { n?: N }\n",
      'alerts/notifiers/notifier.ts': "import type { C } from '../messages.ts'\nexport type N = { c?: C }\n",
      'alerts/lifecycle.ts': "import type { C } from './messages.ts'\n",
    })
    expect(checkImports(root)).toEqual([
      {
        file: 'alerts/messages.ts',
        message: 'import cycle: alerts/messages.ts → alerts/notifiers/notifier.ts → alerts/messages.ts',
      },
    ])
  })

  it('fails on a folder that is not in the order', () => {
    const root = tree({ 'misc/thing.ts': 'export const y = 2\n' })
    expect(checkImports(root)).toEqual([
      { file: 'misc/thing.ts', message: "folder 'misc' is not in the import order" },
    ])
  })

  it('fails on a file over 300 lines', () => {
    const root = tree({
      'lib/short.ts': 'export const a = 1\n'.repeat(300),
      'lib/long.ts': 'export const a = 1\n'.repeat(301),
    })
    expect(checkImports(root)).toEqual([{ file: 'lib/long.ts', message: '301 lines, over 300: split it' }])
  })

  it('counts a stage config schema as part of config/, which no stage may be imported by', () => {
    expect(layerOf('rules/config.ts')).toBe('config')
    expect(layerOf('rules/readiness.ts')).toBe('rules')
    expect(layerOf('app.ts')).toBe('app')
    const root = tree({
      'config/schema.ts': "import { rulesConfigSchema } from '../rules/config.ts'\n",
      'rules/config.ts': "import { Thresholds } from './thresholds.ts'\nexport const rulesConfigSchema = 1\n",
      'rules/thresholds.ts': 'export class Thresholds {}\n',
    })
    expect(checkImports(root)).toEqual([
      { file: 'rules/config.ts', message: "'config' imports 'rules', a later stage (rules/thresholds.ts)" },
    ])
  })
})
