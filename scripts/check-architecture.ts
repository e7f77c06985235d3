// Keeps the folders of gateway/ in pipeline order: a folder may import only from itself, the
// shared folders and the stages before it; no file may take part in an import cycle; no file
// grows past MAX_LINES (one job per file).
// `npm run check` runs it; test/unit/architecture/imports.test.ts proves it fails.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/**
 * The layers, in order: each may import the ones before it, never one after it. First the shared
 * ones every stage may use, then the stages in pipeline order. An earlier stage reaches a later
 * one only through a callback the composition root hands it (the broker's `accept`, ingest's
 * `onReading`).
 */
export const ORDER = [
  'lib',
  'protocol',
  'config',
  'registry',
  'broker',
  'store',
  'ingest',
  'state',
  'rules',
  'alerts',
  'feeds',
  'coverage',
  'api',
  // the composition root and the entry point: gateway/app.ts, gateway/wiring/, gateway/main.ts
  'app',
] as const

/** Past this a file does more than one job: split it. */
export const MAX_LINES = 300

export interface Violation {
  file: string
  message: string
}

/**
 * The layer a file belongs to. A stage's own config schema (`<stage>/config.ts`) is part of the
 * config layer: config/schema.ts assembles them, so it may import no stage.
 */
export function layerOf(relPath: string): string {
  const parts = relPath.split('/')
  if (parts.length === 1) return 'app'
  const folder = parts[0] ?? ''
  if (folder === 'wiring') return 'app'
  if (parts.length === 2 && parts[1] === 'config.ts') return 'config'
  return folder
}

function rank(layer: string): number | null {
  const i = (ORDER as readonly string[]).indexOf(layer)
  return i < 0 ? null : i
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p)
  }
  return out.sort()
}

/** Relative imports and re-exports of one file (type-only ones too: they bind the folders as well). */
export function relativeImports(source: string): string[] {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((f) => f.startsWith('./') || f.startsWith('../'))
}

/** Checks every .ts file under `root`; returns what breaks the order or closes a cycle. */
export function checkImports(root: string): Violation[] {
  const violations: Violation[] = []
  const files = sourceFiles(root)
  const rel = (p: string) => relative(root, p).split(sep).join('/')
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const from = rel(file)
    const fromLayer = layerOf(from)
    const fromRank = rank(fromLayer)
    if (fromRank === null) {
      violations.push({ file: from, message: `folder '${fromLayer}' is not in the import order` })
    }
    const source = readFileSync(file, 'utf8')
    const lines = source.split('\n').length - (source.endsWith('\n') ? 1 : 0)
    if (lines > MAX_LINES) {
      violations.push({ file: from, message: `${lines} lines, over ${MAX_LINES}: split it` })
    }
    const targets: string[] = []
    for (const spec of relativeImports(source)) {
      const target = resolve(dirname(file), spec)
      const to = rel(target)
      if (to.startsWith('..')) continue // outside gateway/ (none today)
      targets.push(to)
      const toLayer = layerOf(to)
      const toRank = rank(toLayer)
      if (fromRank === null || toRank === null || toLayer === fromLayer) continue
      if (toRank > fromRank) {
        violations.push({
          file: from,
          message: `'${fromLayer}' imports '${toLayer}', a later stage (${to})`,
        })
      }
    }
    graph.set(from, targets)
  }
  for (const cycle of cycles(graph)) {
    violations.push({ file: cycle[0] ?? '', message: `import cycle: ${[...cycle, cycle[0]].join(' → ')}` })
  }
  return violations
}

/** Strongly connected components with more than one file (Tarjan), or a file importing itself. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  let next = 0
  const visit = (v: string) => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
      }
    }
    if (low.get(v) !== index.get(v)) return
    const scc: string[] = []
    let w: string | undefined
    do {
      w = stack.pop()
      if (w === undefined) break
      onStack.delete(w)
      scc.push(w)
    } while (w !== v)
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.reverse())
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return out
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', process.argv[2] ?? 'gateway')
  const found = checkImports(root)
  for (const v of found) process.stderr.write(`${v.file}: ${v.message}\n`)
  if (found.length > 0) {
    process.stderr.write(
      `${found.length} violation(s) of the import rules; the order is in README.md (Architecture)\n`,
    )
    process.exit(1)
  }
}
