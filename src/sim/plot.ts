/**
 * Draws nodes and queued jobs over virtual time, one line per policy, as a small hand-written
 * SVG (two stacked panels sharing the time axis). No dependencies.
 */

/** One policy's step series: at t[i] the value becomes nodes[i] / queued[i]. */
export interface PlotSeries {
  policy: string
  t: readonly number[]
  nodes: readonly number[]
  queued: readonly number[]
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']
const WIDTH = 960
const PANEL = 260
const LEFT = 70
const RIGHT = 20
const TOP = 40
const GAP = 50

/** Escapes text for SVG. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Reduces a step series to at most `buckets` points per bucket pair (min and max), keeping its shape. */
export function downsample(t: readonly number[], v: readonly number[], t0: number, t1: number, buckets: number): [number, number][] {
  if (t.length === 0) return []
  const span = Math.max(1e-9, t1 - t0)
  const out: [number, number][] = []
  let bucket = -1
  let lo = 0
  let hi = 0
  let first = 0
  let last = 0
  const flush = (): void => {
    if (bucket < 0) return
    const x = t0 + (bucket / buckets) * span
    out.push([x, first])
    if (lo !== first) out.push([x, lo])
    if (hi !== lo) out.push([x, hi])
    if (last !== hi) out.push([x, last])
  }
  for (let i = 0; i < t.length; i++) {
    const b = Math.min(buckets - 1, Math.floor(((t[i] - t0) / span) * buckets))
    if (b !== bucket) {
      flush()
      bucket = b
      lo = hi = first = last = v[i]
    } else {
      lo = Math.min(lo, v[i])
      hi = Math.max(hi, v[i])
      last = v[i]
    }
  }
  flush()
  out.push([t1, v[v.length - 1]])
  return out
}

/** Picks a "nice" tick step for a range. */
function niceStep(range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks)
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)))
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag
  return 10 * mag
}

/** Renders the SVG: panel 1 nodes alive, panel 2 queued jobs, x axis in days (or hours for short runs). */
export function renderPlot(series: readonly PlotSeries[], title = 'dcaas simulate'): string {
  const t0 = Math.min(...series.map((s) => s.t[0] ?? 0))
  const t1 = Math.max(t0 + 1, ...series.map((s) => s.t[s.t.length - 1] ?? 0))
  const useDays = t1 - t0 > 2 * 86400
  const unit = useDays ? 86400 : 3600
  const plotW = WIDTH - LEFT - RIGHT
  const height = TOP + 2 * PANEL + GAP + 50 + 20 * series.length
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ]
  const panels: {label: string; pick: (s: PlotSeries) => readonly number[]}[] = [
    {label: 'nodes', pick: (s) => s.nodes},
    {label: 'queued jobs', pick: (s) => s.queued},
  ]
  panels.forEach((panel, p) => {
    const y0 = TOP + p * (PANEL + GAP)
    const vmax = Math.max(1, ...series.map((s) => Math.max(0, ...panel.pick(s))))
    const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * plotW
    const y = (v: number): number => y0 + PANEL - (v / vmax) * PANEL
    parts.push(`<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL}" fill="none" stroke="#888"/>`)
    parts.push(`<text x="14" y="${y0 + PANEL / 2}" transform="rotate(-90 14 ${y0 + PANEL / 2})" text-anchor="middle">${panel.label}</text>`)
    const vstep = niceStep(vmax, 5)
    for (let v = 0; v <= vmax + 1e-9; v += vstep) {
      parts.push(`<line x1="${LEFT - 4}" x2="${LEFT + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`)
      parts.push(`<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Number(v.toPrecision(6))}</text>`)
    }
    const tstep = niceStep((t1 - t0) / unit, 10)
    for (let u = 0; u <= (t1 - t0) / unit + 1e-9; u += tstep) {
      const xx = x(t0 + u * unit)
      parts.push(`<line x1="${xx.toFixed(1)}" x2="${xx.toFixed(1)}" y1="${y0 + PANEL}" y2="${y0 + PANEL + 4}" stroke="#888"/>`)
      parts.push(`<text x="${xx.toFixed(1)}" y="${y0 + PANEL + 16}" text-anchor="middle">${Number(u.toPrecision(6))}</text>`)
    }
    series.forEach((s, k) => {
      const pts = downsample(s.t, panel.pick(s), t0, t1, Math.floor(plotW))
      let d = ''
      let prev: number | undefined
      for (const [tt, v] of pts) {
        const px = x(tt).toFixed(1)
        if (prev !== undefined) d += ` L${px},${y(prev).toFixed(1)}`
        d += `${d ? ' L' : 'M'}${px},${y(v).toFixed(1)}`
        prev = v
      }
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.2"/>`)
    })
  })
  const axisY = TOP + 2 * PANEL + GAP + 8
  parts.push(`<text x="${LEFT + plotW / 2}" y="${axisY}" text-anchor="middle">time (${useDays ? 'days' : 'hours'})</text>`)
  series.forEach((s, k) => {
    const ly = axisY + 20 + 20 * k
    parts.push(`<line x1="${LEFT}" x2="${LEFT + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${COLORS[k % COLORS.length]}" stroke-width="3"/>`)
    parts.push(`<text x="${LEFT + 30}" y="${ly}">${esc(s.policy)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n')
}
