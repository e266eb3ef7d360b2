/**
 * The page shell shared by the benchmark reports: one self-contained HTML file (inline CSS and
 * SVG, no script, nothing fetched at view time), tables and the large-type headline.
 */
import { escapeXml } from './svgFrame.ts'

const PAGE_CSS = `
body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;margin-bottom:16px}
figure{margin:0;flex:1 1 560px;max-width:680px}
figure svg{width:100%;height:auto;display:block}
figcaption,.note{font-size:12px;color:#555;max-width:640px}
section{border-top:2px solid #ddd;margin-top:24px}
.row>div{flex:1 1 420px}
.headline{display:grid;grid-template-columns:130px repeat(6,minmax(0,1fr));gap:10px;margin:10px 0}
.headline .label{font-size:15px;font-weight:bold;align-self:center}
.figure{border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#fafafa}
.figure .value{font-size:36px;font-weight:bold;line-height:1.15;white-space:nowrap}
.figure .unit{font-size:18px;font-weight:normal;color:#555;margin-left:3px}
.figure .name{font-size:13px;color:#555}
.figure .detail{font-size:12px;color:#777}
@media (max-width:900px){.headline{grid-template-columns:repeat(3,minmax(0,1fr))}.headline .label{grid-column:1/-1}}
`

/** One large-type figure of a headline row. */
export interface HeadlineFigure {
  name: string
  value: string
  unit?: string
  /** Smaller text under the name, e.g. the worst node */
  detail?: string
}

export function renderHeadline(label: string, figures: readonly HeadlineFigure[]): string {
  const cards = figures.map(
    (f) =>
      `<div class="figure"><div class="value">${escapeXml(f.value)}${f.unit === undefined ? '' : `<span class="unit">${escapeXml(f.unit)}</span>`}</div><div class="name">${escapeXml(f.name)}</div>${f.detail === undefined ? '' : `<div class="detail">${escapeXml(f.detail)}</div>`}</div>`,
  )
  return `<div class="headline"><div class="label">${escapeXml(label)}</div>${cards.join('')}</div>`
}

export function renderTable(header: readonly string[], rows: readonly string[][]): string {
  const th = header.map((c) => `<th>${escapeXml(c)}</th>`).join('')
  const tr = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`)
    .join('')
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`
}

/** A chart with an optional caption. */
export function renderFigure(svg: string, caption?: string): string {
  const cap = caption === undefined ? '' : `<figcaption>${escapeXml(caption)}</figcaption>`
  return `<figure>${svg}${cap}</figure>`
}

/** The whole page; `body` is trusted HTML built by the caller. */
export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${PAGE_CSS}</style></head><body>
${body}
</body></html>
`
}
