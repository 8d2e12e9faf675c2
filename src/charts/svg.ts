import {escapeXml} from './escape.js'
import {markOutline} from './palette.js'
import {textWidth, truncateAllToWidth, truncateToWidth} from './text-metrics.js'

/**
 * The SVG vocabulary every chart shares: document frame with accessible title/desc, header, legend and the
 * empty state. Plain string templates; every piece of data text goes through escapeXml.
 */
export const CHART_WIDTH = 800
export const PAD = 16
export const FONT_SIZE = 12
export const TITLE_SIZE = 16
export const INK = '#1F2933'
export const MUTED_INK = '#52606D'
export const GRID = '#E4E7EB'
/** The SVGs name DejaVu Sans first (the PNG renderer embeds it and text widths are measured for it). */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"

/** Coordinates rounded to 0.1 px: smaller, stable diffs and no -0 in the output. */
export function px(value: number): string {
  const rounded = Math.round(value * 10) / 10
  return String(rounded === 0 ? 0 : rounded)
}

export interface ChartFrame {
  id: string
  title: string
  subtitle: string
  /** A sentence or two for screen readers: what the chart shows and its largest values. */
  description: string
  /**
   * Every figure the chart draws, one line a bar or column (its tooltip text). They go into <desc> after the
   * description: a screen reader reads only the title and desc of an SVG with role="img", never its text
   * elements, so without them the bars' figures are not there for it (WCAG 1.1.1).
   */
  figures?: readonly string[]
  height: number
}

/** A chart's SVG and the figures it draws, which report.html also lists under it as text. */
export interface RenderedChart {
  svg: string
  figures: string[]
}

/** The <desc> text: the description, then each figure as a sentence of its own. */
export function descriptionWithFigures(frame: Pick<ChartFrame, 'description' | 'figures'>): string {
  const figures = frame.figures ?? []
  return figures.length === 0 ? frame.description : `${frame.description} ${figures.map((figure) => `${figure}.`).join(' ')}`
}

/**
 * The title names the chart; the desc, which may list many figures, describes it (a name stays short). The
 * language is stated for the file opened on its own, as the artifacts tab does (WCAG 3.1.1).
 */
export function svgDocument(frame: ChartFrame, body: string): RenderedChart {
  const {id, height} = frame
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" xml:lang="en" width="${CHART_WIDTH}" height="${px(height)}" viewBox="0 0 ${CHART_WIDTH} ${px(height)}" role="img" aria-labelledby="${id}-title" aria-describedby="${id}-desc" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" fill="${INK}">`,
    `<title id="${id}-title">${escapeXml(frame.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(descriptionWithFigures(frame))}</desc>`,
    `<rect width="${CHART_WIDTH}" height="${px(height)}" fill="#FFFFFF"/>`,
    `<text x="${PAD}" y="28" font-size="${TITLE_SIZE}" font-weight="bold">${escapeXml(frame.title)}</text>`,
    `<text x="${PAD}" y="48" fill="${MUTED_INK}">${escapeXml(truncateToWidth(frame.subtitle, CHART_WIDTH - 2 * PAD, FONT_SIZE))}</text>`,
    body,
    '</svg>',
    '',
  ].join('\n')
  return {svg, figures: [...(frame.figures ?? [])]}
}

/** Top of the plotting area, below title and subtitle. */
export const HEADER_HEIGHT = 64

export function emptyChart(frame: Omit<ChartFrame, 'height' | 'figures'>, message = 'No usage in this window'): RenderedChart {
  const height = 200
  const body = [
    `<rect x="${PAD}" y="${HEADER_HEIGHT}" width="${CHART_WIDTH - 2 * PAD}" height="${height - HEADER_HEIGHT - PAD}" fill="#F5F7FA" stroke="${GRID}"/>`,
    `<text x="${CHART_WIDTH / 2}" y="${px((height + HEADER_HEIGHT - PAD) / 2 + 5)}" text-anchor="middle" font-size="14" fill="${MUTED_INK}">${escapeXml(message)}</text>`,
  ].join('\n')
  return svgDocument({...frame, height}, body)
}

export interface LegendItem {
  label: string
  /** Filled square swatch colour, or a dashed line swatch when `line` is set. */
  colour: string
  line?: boolean
}

const SWATCH = 12
const LEGEND_ROW = 20
const LEGEND_LABEL_MAX = 220

/** Lays legend items left to right, wrapping at the chart width. Returns the markup and its height. */
export function legend(items: LegendItem[], top: number): {markup: string; height: number} {
  if (items.length === 0) return {markup: '', height: 0}
  const parts: string[] = ['<g class="legend">']
  let x = PAD
  let row = 0
  const labels = truncateAllToWidth(items.map((item) => item.label), LEGEND_LABEL_MAX, FONT_SIZE)
  for (const [index, item] of items.entries()) {
    const label = labels[index]
    const width = SWATCH + 6 + textWidth(label, FONT_SIZE)
    if (x > PAD && x + width > CHART_WIDTH - PAD) {
      x = PAD
      row++
    }
    const y = top + row * LEGEND_ROW
    const swatch = item.line
      ? `<line x1="${px(x)}" y1="${px(y + SWATCH / 2)}" x2="${px(x + SWATCH)}" y2="${px(y + SWATCH / 2)}" stroke="${item.colour}" stroke-width="2" stroke-dasharray="4 2"/>`
      : `<rect x="${px(x)}" y="${px(y)}" width="${SWATCH}" height="${SWATCH}" fill="${item.colour}" stroke="${markOutline(item.colour)}"/>`
    const tooltip = label === item.label ? '' : `<title>${escapeXml(item.label)}</title>`
    parts.push(`<g>${tooltip}${swatch}<text x="${px(x + SWATCH + 6)}" y="${px(y + 10)}">${escapeXml(label)}</text></g>`)
    x += width + 18
  }
  parts.push('</g>')
  return {markup: parts.join('\n'), height: (row + 1) * LEGEND_ROW}
}
