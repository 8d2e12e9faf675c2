import {scaleLinear} from 'd3-scale'

import {escapeXml} from './escape.js'
import {markOutline} from './palette.js'
import {formatAxisCredits} from './format.js'
import {
  CHART_WIDTH,
  type ChartFrame,
  FONT_SIZE,
  GRID,
  HEADER_HEIGHT,
  legend,
  type LegendItem,
  MUTED_INK,
  PAD,
  px,
  type RenderedChart,
  svgDocument,
} from './svg.js'
import {textWidth, truncateAllToWidth} from './text-metrics.js'

/** One horizontal bar, possibly split into coloured segments that add up to `total`. */
export interface BarRow {
  label: string
  segments: {value: number; colour: string}[]
  total: number
  valueLabel: string
  /** Full text for the hover tooltip: the untruncated name and the figures. */
  tooltip: string
}

const ROW_HEIGHT = 24
const BAR_HEIGHT = 16
const LABEL_MAX_WIDTH = 230
const AXIS_HEIGHT = 30

/** Horizontal bar chart with measured label column, value labels after the bars and a nice credit axis. */
export function horizontalBars(frame: Omit<ChartFrame, 'height' | 'figures'>, rows: BarRow[], legendItems: LegendItem[] = []): RenderedChart {
  const labels = truncateAllToWidth(rows.map((row) => row.label), LABEL_MAX_WIDTH, FONT_SIZE)
  const labelWidth = Math.max(40, ...labels.map((label) => textWidth(label, FONT_SIZE)))
  const valueWidth = Math.max(0, ...rows.map((row) => textWidth(row.valueLabel, FONT_SIZE)))
  const plotLeft = PAD + labelWidth + 10
  const plotRight = CHART_WIDTH - PAD - valueWidth - 8

  const legendBlock = legend(legendItems, HEADER_HEIGHT)
  const top = HEADER_HEIGHT + (legendBlock.height > 0 ? legendBlock.height + 6 : 0)
  const plotBottom = top + rows.length * ROW_HEIGHT
  const height = plotBottom + AXIS_HEIGHT + PAD / 2

  const maxValue = Math.max(0, ...rows.map((row) => (Number.isFinite(row.total) ? row.total : 0)))
  const x = scaleLinear()
    .domain([0, maxValue > 0 ? maxValue : 1])
    .range([plotLeft, plotRight])
    .nice(5)
  const ticks = x.ticks(5)
  const domainMax = x.domain()[1]

  const parts: string[] = [legendBlock.markup, '<g class="grid">']
  for (const tick of ticks) {
    parts.push(`<line x1="${px(x(tick))}" y1="${top - 4}" x2="${px(x(tick))}" y2="${plotBottom}" stroke="${GRID}"/>`)
    parts.push(
      `<text x="${px(x(tick))}" y="${plotBottom + 16}" text-anchor="middle" fill="${MUTED_INK}">${escapeXml(formatAxisCredits(tick, domainMax))}</text>`,
    )
  }
  parts.push(`<line x1="${px(plotLeft)}" y1="${top - 4}" x2="${px(plotLeft)}" y2="${plotBottom}" stroke="${MUTED_INK}"/>`)
  parts.push('</g>', '<g class="bars">')

  rows.forEach((row, index) => {
    const rowTop = top + index * ROW_HEIGHT
    const barTop = rowTop + (ROW_HEIGHT - BAR_HEIGHT) / 2
    const textY = rowTop + ROW_HEIGHT / 2 + 4
    const segments: string[] = []
    let start = 0
    for (const segment of row.segments) {
      const value = Number.isFinite(segment.value) ? Math.max(0, segment.value) : 0
      if (value <= 0) continue
      const x0 = x(start)
      // A non-zero value narrower than a pixel still gets one, so it is visibly not zero.
      const width = Math.max(1, x(start + value) - x0)
      segments.push(`<rect x="${px(x0)}" y="${px(barTop)}" width="${px(width)}" height="${BAR_HEIGHT}" fill="${segment.colour}" stroke="${markOutline(segment.colour)}"/>`)
      start += value
    }
    const barEnd = start > 0 ? Math.max(x(start), plotLeft + 1) : plotLeft
    parts.push(
      [
        '<g>',
        `<title>${escapeXml(row.tooltip)}</title>`,
        `<text x="${px(PAD + labelWidth)}" y="${px(textY)}" text-anchor="end">${escapeXml(labels[index])}</text>`,
        ...segments,
        `<text x="${px(barEnd + 6)}" y="${px(textY)}">${escapeXml(row.valueLabel)}</text>`,
        '</g>',
      ].join(''),
    )
  })
  parts.push('</g>')
  return svgDocument({...frame, figures: rows.map((row) => row.tooltip), height}, parts.join('\n'))
}
