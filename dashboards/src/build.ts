import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { render } from './index.ts'

/**
 * Writes dashboards/grafana/*.json from the TypeScript sources: `npx tsx dashboards/src/build.ts`.
 * With --check, writes nothing and exits 1 when a committed file differs from its source.
 */
const dir = fileURLToPath(new URL('../grafana/', import.meta.url))
const check = process.argv.includes('--check')
let stale = 0
for (const [file, text] of Object.entries(render())) {
  const path = `${dir}${file}`
  let old = ''
  try {
    old = readFileSync(path, 'utf8')
  } catch {
    // not generated yet
  }
  if (old === text) continue
  stale++
  if (check)
    process.stderr.write(`${file} differs from dashboards/src: run npx tsx dashboards/src/build.ts\n`)
  else writeFileSync(path, text)
}
process.exit(check && stale > 0 ? 1 : 0)
