import { readFileSync, writeFileSync } from 'node:fs'

/**
 * `npx tsx bench/flamegraph.ts FILE.cpuprofile OUT.svg [FROM_S TO_S] [TITLE]`: a flame graph of a
 * V8 CPU profile (bench/cpu-profile.mjs writes them) as one self-contained SVG, to keep next to
 * the results. Each box is a function in its call path, as wide as the time its samples took
 * (the thread running it or what it called); the root is at the bottom, siblings sorted by name.
 * Idle samples are left out; FROM_S and TO_S (seconds from the profile's start) keep one window,
 * a load's steady part for instance. Hover a box for its function, file, time and share.
 * Colours: the gateway's code orange, packages yellow, Node's own code and the engine grey,
 * garbage collection red.
 */
export interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
/** A V8 CPU profile as the inspector writes it (bench/cpu-profile.mjs). */
export interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

interface Frame {
  name: string
  where: string
  kind: 'gateway' | 'package' | 'node' | 'gc'
  us: number
  children: Map<string, Frame>
}

const WIDTH = 1200
const ROW = 16
const FONT = 11
/** Boxes narrower than this (px) are not drawn. */
const MIN_PX = 0.3

function frameOf(node: ProfileNode): Omit<Frame, 'us' | 'children'> {
  const { functionName, url, lineNumber } = node.callFrame
  const name = functionName || '(anonymous)'
  const file = url.replace(/^file:\/\//, '')
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file)
  const gw = /\/(gateway\/.*)$/.exec(file)
  const where = pkg ? `${pkg[1]}/${pkg[2]}` : gw ? (gw[1] as string) : file
  const line = file ? `:${lineNumber + 1}` : ''
  const kind =
    name === '(garbage collector)'
      ? 'gc'
      : pkg
        ? 'package'
        : gw && !file.includes('node_modules')
          ? 'gateway'
          : 'node'
  return { name, where: `${where}${line}`, kind }
}

/** The profile's call tree with each sample's time added along its path, idle left out. */
export function callTree(p: CpuProfile, fromS = 0, toS = Number.POSITIVE_INFINITY): Frame {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const root: Frame = { name: 'all', where: '', kind: 'node', us: 0, children: new Map() }
  let t = 0
  for (const [i, id] of p.samples.entries()) {
    const dt = p.timeDeltas[i] ?? 0
    t += dt
    if (t / 1e6 < fromS || t / 1e6 >= toS) continue
    const leaf = byId.get(id)
    if (!leaf || leaf.callFrame.functionName === '(idle)' || leaf.callFrame.functionName === '(program)')
      continue
    const path: ProfileNode[] = []
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const n = byId.get(x)
      if (n && n.callFrame.functionName !== '(root)') path.push(n)
    }
    root.us += dt
    let at = root
    for (const n of path.reverse()) {
      const f = frameOf(n)
      const key = `${f.name}\u0000${f.where}`
      let next = at.children.get(key)
      if (!next) {
        next = { ...f, us: 0, children: new Map() }
        at.children.set(key, next)
      }
      next.us += dt
      at = next
    }
  }
  return root
}

function colour(f: Frame): string {
  // the same name gets the same shade
  let h = 0
  for (const c of f.name) h = (h * 31 + c.charCodeAt(0)) >>> 0
  const v = h % 40
  if (f.kind === 'gc') return `rgb(220,${60 + (v % 20)},${50 + (v % 20)})`
  if (f.kind === 'gateway') return `rgb(240,${120 + v * 2},${40 + v})`
  if (f.kind === 'package') return `rgb(230,${190 + v},${60 + v})`
  return `rgb(${170 + v},${170 + v},${170 + v})`
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** The SVG of a call tree: `title` on top, one row per call depth, the root at the bottom. */
export function flameSvg(root: Frame, title: string): string {
  const scale = root.us > 0 ? WIDTH / root.us : 0
  const placed: Array<{ f: Frame; x: number; d: number; w: number }> = []
  const place = (f: Frame, x: number, d: number) => {
    const w = f.us * scale
    if (w < MIN_PX) return
    placed.push({ f, x, d, w })
    let cx = x
    for (const c of [...f.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      place(c, cx, d + 1)
      cx += c.us * scale
    }
  }
  place(root, 0, 0)
  const depth = Math.max(0, ...placed.map((p) => p.d))
  const height = (depth + 1) * ROW + 34
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace" font-size="${FONT}">`,
    `<rect width="100%" height="100%" fill="#fdfdf6"/>`,
    `<text x="4" y="16" font-size="13">${esc(title)}</text>`,
    ...placed.map((p) => box(p.f, p.x, height - 6 - (p.d + 1) * ROW, p.w, root.us)),
    '</svg>',
    '',
  ].join('\n')
}

function box(f: Frame, x: number, y: number, w: number, total: number): string {
  const ms = f.us / 1000
  const share = total > 0 ? (100 * f.us) / total : 0
  const tip = `${f.name} ${f.where} — ${ms.toFixed(1)} ms, ${share.toFixed(2)} %`
  const chars = Math.floor((w - 4) / (FONT * 0.6))
  const label = chars >= 3 ? (f.name.length <= chars ? f.name : `${f.name.slice(0, chars - 1)}…`) : ''
  return (
    `<g><title>${esc(tip)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${ROW - 1}" fill="${colour(f)}"/>` +
    (label ? `<text x="${(x + 2).toFixed(2)}" y="${y + ROW - 4}">${esc(label)}</text>` : '') +
    '</g>'
  )
}

if (process.argv[1]?.endsWith('flamegraph.ts')) {
  const [file, out, from, to, ...title] = process.argv.slice(2)
  if (!file || !out) {
    process.stderr.write('usage: tsx bench/flamegraph.ts FILE.cpuprofile OUT.svg [FROM_S TO_S] [TITLE]\n')
    process.exit(2)
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const fromS = from === undefined ? 0 : Number(from)
  const toS = to === undefined ? Number.POSITIVE_INFINITY : Number(to)
  const root = callTree(profile, fromS, toS)
  const window = to === undefined ? '' : `, ${fromS} to ${toS} s`
  const head = `${title.join(' ') || file}: ${(root.us / 1000).toFixed(0)} ms on the CPU${window}`
  writeFileSync(out, flameSvg(root, head))
  process.stdout.write(`${out}: ${(root.us / 1000).toFixed(0)} ms of samples\n`)
}
