import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
export const DEFAULT_OUT = resolve(here, '..', 'dist', 'console')

export interface ConsoleBuild {
  dir: string
  /** What a first visit downloads (index.html, entry script, stylesheet): gzip bytes. */
  firstLoadGzipBytes: number
  files: string[]
}

/**
 * Bundles console/src with esbuild: one entry script (Preact + htm), the map code split into a
 * chunk loaded only by the map view, one stylesheet; every asset named by its content hash, so
 * the gateway serves it with a year's cache. index.html is written last and references them.
 */
export async function buildConsole(outDir = DEFAULT_OUT): Promise<ConsoleBuild> {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const result = await esbuild.build({
    entryPoints: [join(here, 'src', 'main.ts'), join(here, 'src', 'style.css')],
    outdir: join(outDir, 'assets'),
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    sourcemap: false,
    target: ['es2022', 'chrome100', 'safari15', 'firefox100'],
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.png': 'file', '.svg': 'file' },
    metafile: true,
    legalComments: 'linked',
    logLevel: 'warning',
  })
  const outputs = Object.entries(result.metafile.outputs)
  const find = (entry: string, ext: string) => {
    const hit = outputs.find(([file, o]) => o.entryPoint?.endsWith(entry) && file.endsWith(ext))
    if (!hit) throw new Error(`console build: no output for ${entry}`)
    return `/console/${relative(outDir, resolve(hit[0])).split('\\').join('/')}`
  }
  const script = find('src/main.ts', '.js')
  const style = find('src/style.css', '.css')
  // chunks the entry imports statically load with it: preload them, and count them
  const url = (file: string) => `/console/${relative(outDir, resolve(file)).split('\\').join('/')}`
  const staticImports = (file: string, seen = new Set<string>()): Set<string> => {
    for (const i of result.metafile.outputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement' || seen.has(i.path)) continue
      seen.add(i.path)
      staticImports(i.path, seen)
    }
    return seen
  }
  const entryFile = outputs.find(([, o]) => o.entryPoint?.endsWith('src/main.ts'))?.[0] ?? ''
  const preloads = [...staticImports(entryFile)].map(url)
  const index = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>AED maintenance console</title>
<link rel="stylesheet" href="${style}">
<script type="module" src="${script}"></script>
${preloads.map((p) => `<link rel="modulepreload" href="${p}">`).join('\n')}
</head>
<body>
<div id="app"><noscript>The AED maintenance console needs JavaScript.</noscript></div>
</body>
</html>
`
  writeFileSync(join(outDir, 'index.html'), index)
  const first = [
    index,
    ...[script, style, ...preloads].map((p) => readFileSync(join(outDir, p.replace('/console/', '')))),
  ]
  return {
    dir: outDir,
    firstLoadGzipBytes: first.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0),
    files: outputs.map(([f]) => relative(outDir, resolve(f))),
  }
}

// npm run build / npm start (with --if-missing: only when there is no build yet)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifMissing = process.argv.includes('--if-missing')
  if (ifMissing && existsSync(join(DEFAULT_OUT, 'index.html'))) process.exit(0)
  const b = await buildConsole()
  process.stdout.write(
    `console built in ${relative(process.cwd(), b.dir) || '.'}: ${b.files.length} files, first load ${(b.firstLoadGzipBytes / 1024).toFixed(1)} KiB gzip\n`,
  )
}
