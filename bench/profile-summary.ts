import { readFileSync } from 'node:fs'
import type { CpuProfile } from './flamegraph.ts'

/**
 * `tsx bench/profile-summary.ts FILE.cpuprofile [N]`: the N functions (default 25) and the
 * files or packages with the most self time in a V8 CPU profile, and the stretches of 30 ms or
 * more in which the thread never went idle (what a door event arriving then waits behind), with
 * what they spent their time on, as Markdown: a profile kept next to the results in a few lines.
 */
const BUSY_US = 30_000

const [file, n = '25'] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [N]\n')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const selfUs = new Map<number, number>()
for (const [i, id] of profile.samples.entries())
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))

const where = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')
    .replace(/.*\/(gateway|bench|scripts)\//, '$1/')
const byFunction = new Map<string, number>()
const byPlace = new Map<string, number>()
let total = 0
for (const [id, us] of selfUs) {
  const cf = byId.get(id)?.callFrame
  if (!cf) continue
  const place = cf.url ? where(cf.url) : `(${cf.functionName || 'native'})`
  const name = `${cf.functionName || '(anonymous)'} ${place}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + us)
  byPlace.set(place, (byPlace.get(place) ?? 0) + us)
  total += us
}
// busy stretches: consecutive samples that are not (idle); each charged to its outermost frames
// of our code or a package (bootstrap and loader frames left out)
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)
const label = (id: number) => {
  const cf = byId.get(id)?.callFrame
  return cf ? `${cf.functionName || '(anonymous)'} ${cf.url ? where(cf.url) : ''}`.trim() : '?'
}
const path = (id: number) => {
  const frames: string[] = []
  for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) frames.unshift(label(x))
  const ours = frames.filter((f) => /gateway\/|^[^ ]+ [a-z@][^ :]*$|garbage|writev|postMessage/.test(f))
  return (ours.length > 0 ? ours : frames.slice(-1)).slice(0, 3).join(' → ')
}
const stretches: number[] = []
const busyPaths = new Map<string, number>()
let run: { us: number; ids: number[] } | null = null
const endRun = () => {
  if (run && run.us >= BUSY_US) {
    stretches.push(run.us)
    for (const id of run.ids) busyPaths.set(path(id), (busyPaths.get(path(id)) ?? 0) + 1)
  }
  run = null
}
for (const [i, id] of profile.samples.entries()) {
  if (byId.get(id)?.callFrame.functionName === '(idle)') {
    endRun()
    continue
  }
  run ??= { us: 0, ids: [] }
  run.us += profile.timeDeltas[i] ?? 0
  run.ids.push(id)
}
endRun()
stretches.sort((a, b) => b - a)
const samplesInBusy = [...busyPaths.values()].reduce((a, b) => a + b, 0)

const table = (title: string, m: Map<string, number>, rows: number) => {
  const lines = [`| ${title} | self ms | share |`, '| --- | ---: | ---: |']
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows))
    lines.push(
      `| ${k.replaceAll('|', '\\|')} | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} % |`,
    )
  return lines.join('\n')
}
const busyTable = [
  '| busy stretches, where the time went (outermost frames) | samples | share |',
  '| --- | ---: | ---: |',
  ...[...busyPaths]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, c]) => `| ${k.replaceAll('|', '\\|')} | ${c} | ${((100 * c) / samplesInBusy).toFixed(1)} % |`),
].join('\n')
process.stdout.write(
  [
    `${(total / 1000).toFixed(0)} ms sampled`,
    table('function', byFunction, Number(n)),
    table('file or package', byPlace, 15),
    `Busy stretches of ${BUSY_US / 1000} ms or more without going idle: ${stretches.length}, ` +
      `${(stretches.reduce((a, b) => a + b, 0) / 1000).toFixed(0)} ms in all; longest ` +
      `${stretches
        .slice(0, 5)
        .map((us) => (us / 1000).toFixed(0))
        .join(', ')} ms.`,
    busyTable,
  ].join('\n\n') + '\n',
)
