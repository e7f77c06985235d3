/**
 * A tiny SVG line-chart writer for the benchmark's figures: linear axes from 0, a few round
 * ticks, one polyline with dots per series, a legend. No dependencies.
 */
export interface Series {
  name: string
  points: Array<[number, number]>
  /** Drawn dashed (a reference line such as "stored = offered"). */
  dashed?: boolean
}

export interface Chart {
  title: string
  x: string
  y: string
  series: Series[]
}

const W = 640
const H = 400
const M = { left: 70, right: 20, top: 40, bottom: 50 }
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#7f7f7f']

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A round step giving about five ticks up to `max`. */
function tickStep(max: number): number {
  const raw = max / 5
  const mag = 10 ** Math.floor(Math.log10(raw || 1))
  return ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? `${Number((v / 1000).toFixed(1))}k` : String(Number(v.toFixed(2)))
}

export function lineChart(c: Chart): string {
  const all = c.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
  const xStep = tickStep(Math.max(1, ...all.map(([x]) => x)))
  const yStep = tickStep(Math.max(1, ...all.map(([, y]) => y)))
  const xMax = Math.ceil(Math.max(1, ...all.map(([x]) => x)) / xStep) * xStep
  const yMax = Math.ceil(Math.max(1, ...all.map(([, y]) => y)) / yStep) * yStep
  const px = (x: number) => M.left + (x / xMax) * (W - M.left - M.right)
  const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(c.title)}</text>`,
  ]
  for (let v = 0; v <= xMax + 1e-9; v += xStep)
    out.push(
      `<line x1="${px(v)}" y1="${py(0)}" x2="${px(v)}" y2="${M.top}" stroke="#eee"/>`,
      `<text x="${px(v)}" y="${py(0) + 16}" text-anchor="middle">${fmt(v)}</text>`,
    )
  for (let v = 0; v <= yMax + 1e-9; v += yStep)
    out.push(
      `<line x1="${M.left}" y1="${py(v)}" x2="${W - M.right}" y2="${py(v)}" stroke="#eee"/>`,
      `<text x="${M.left - 6}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`,
    )
  out.push(
    `<line x1="${M.left}" y1="${py(0)}" x2="${W - M.right}" y2="${py(0)}" stroke="#000"/>`,
    `<line x1="${M.left}" y1="${py(0)}" x2="${M.left}" y2="${M.top}" stroke="#000"/>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(c.x)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(c.y)}</text>`,
  )
  c.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : ''
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`,
    )
    if (!s.dashed)
      for (const [x, y] of pts)
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${colour}"/>`)
    const ly = M.top + 8 + i * 16
    out.push(
      `<line x1="${M.left + 12}" y1="${ly}" x2="${M.left + 32}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`,
      `<text x="${M.left + 38}" y="${ly + 4}">${esc(s.name)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
