import {scaleBand, scaleLinear} from 'd3-scale'
import {line} from 'd3-shape'

import type {Comparison, Summary} from '../analysis/summary.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {numberToCredits} from '../core/exact-money.js'
import {escapeXml} from './escape.js'
import {daysOfWindow, formatCredits, formatDayShort, formatWindow} from './format.js'
import {baseline, creditGrid, dayLabels, pieceRect, stackPieces} from './columns.js'
import {OTHER_COLOUR, OTHER_KEY, PALETTE, projectColours} from './palette.js'
import {emptyChart, HEADER_HEIGHT, INK, legend, type LegendItem, MUTED_INK, PAD, px, type RenderedChart, svgDocument} from './svg.js'

export const DAY_CHART_ID = 'credits-by-day'

const PLOT_HEIGHT = 240
const X_AXIS_HEIGHT = 24
const COMPARISON_COLOUR = INK

/**
 * Every UTC day of the window, even those without data (they must read as zero, not vanish), plus any day
 * the data holds outside the window so that no credit is silently left off the chart.
 */
function chartDays(summary: Summary): string[] {
  const days = new Set(daysOfWindow(summary.window))
  for (const point of summary.dayByProject) days.add(point.day)
  for (const bucket of summary.breakdowns.day) days.add(bucket.day)
  return [...days].sort()
}

/**
 * Credits of rows without a JOB_RUN_DATE: in the total, in no day (the day breakdown leaves them out), so the
 * bars add up to the total less these. Micro-credits, from the Summary's own figures.
 */
function undatedCredits(summary: Summary): number {
  const dated = summary.breakdowns.day.reduce((sum, bucket) => sum + numberToCredits(bucket.credits), 0n)
  return Number(numberToCredits(summary.totals.credits.total) - dated) / 1_000_000
}

/**
 * Previous-window credits for day index 0..count-1. Indexes count from the previous window's first day, so
 * a day without data in that window reads as zero instead of shifting every later point left.
 */
function previousAlignedByDayIndex(comparison: Comparison, count: number): number[] {
  const byDay = new Map<string, number>()
  for (const bucket of comparison.previousByDay) {
    if (Number.isFinite(bucket.credits)) byDay.set(bucket.day, (byDay.get(bucket.day) ?? 0) + bucket.credits)
  }
  const previousDays = daysOfWindow(comparison.previousWindow)
  const ordered = previousDays.length > 0 ? previousDays : [...byDay.keys()].sort()
  return Array.from({length: count}, (_, index) => byDay.get(ordered[index]) ?? 0)
}

/**
 * Credits per UTC day stacked by the top projects (at most one per palette colour, the rest as "other"),
 * with the previous window as a dashed line aligned by day index when a comparison is present.
 */
export function dayChart(summary: Summary, top: number): RenderedChart {
  const title = 'Credits by day'
  const window = formatWindow(summary.window)
  const colours = projectColours(summary.breakdowns.project)
  const maxSeries = Math.max(1, Math.min(Math.floor(top), PALETTE.length))
  const seriesOf = (project: string): string => {
    const rank = colours.rank(project)
    return rank !== undefined && rank < maxSeries ? project : OTHER_KEY
  }

  const days = chartDays(summary)
  const values = new Map<string, Map<string, number>>(days.map((day) => [day, new Map()]))
  for (const point of summary.dayByProject) {
    if (!Number.isFinite(point.credits)) continue
    const series = seriesOf(point.project)
    const perDay = values.get(point.day) as Map<string, number>
    perDay.set(series, (perDay.get(series) ?? 0) + point.credits)
  }
  const present = new Set<string>()
  for (const perDay of values.values()) for (const [series, credits] of perDay) if (credits !== 0) present.add(series)
  const keys = [...present].filter((k) => k !== OTHER_KEY).sort((a, b) => (colours.rank(a) as number) - (colours.rank(b) as number))
  if (present.has(OTHER_KEY)) keys.push(OTHER_KEY)

  // An input without rows for the previous window is "no data", not a window of zeros: no line is drawn for it.
  const previous = summary.comparison && !summary.comparison.previousEmpty ? summary.comparison : null
  const comparison = previous ? previousAlignedByDayIndex(previous, days.length) : null
  const dayTotals = days.map((day) => [...(values.get(day) as Map<string, number>).values()].reduce((a, b) => a + b, 0))
  const hasUsage = dayTotals.some((v) => v > 0)
  const hasComparison = comparison !== null && comparison.some((v) => v > 0)
  const total = summary.totals.credits.total

  if (days.length === 0 || (!hasUsage && !hasComparison)) {
    return emptyChart({
      id: DAY_CHART_ID,
      title,
      subtitle: `${window} · no credits used`,
      description: `No credits were used on any day of ${window}.`,
    })
  }

  const legendItems: LegendItem[] = keys.map((key) => ({
    label: key === OTHER_KEY ? 'other projects' : key,
    colour: key === OTHER_KEY ? OTHER_COLOUR : colours.colour(key),
  }))
  const previousTotal = comparison ? comparison.reduce((a, b) => a + b, 0) : 0
  if (previous) {
    const previousDays = daysOfWindow(previous.previousWindow)
    const span = previousDays.length > 0 ? ` (${formatDayShort(previousDays[0])} – ${formatDayShort(previousDays[previousDays.length - 1])})` : ''
    legendItems.push({label: `previous window${span}`, colour: COMPARISON_COLOUR, line: true})
  }
  const legendBlock = legend(legendItems, HEADER_HEIGHT)
  const plotTop = HEADER_HEIGHT + legendBlock.height + 14
  const plotBottom = plotTop + PLOT_HEIGHT
  const height = plotBottom + X_AXIS_HEIGHT + PAD / 2

  const maxStack = Math.max(0, ...dayTotals, ...(comparison ?? []))
  const y = scaleLinear()
    .domain([0, maxStack > 0 ? maxStack : 1])
    .range([plotBottom, plotTop])
    .nice(5)
  const grid = creditGrid(y)
  const {plotLeft, plotRight} = grid
  const x = scaleBand<string>().domain(days).range([plotLeft, plotRight]).paddingInner(0.2).paddingOuter(0.1)
  const centre = (day: string): number => (x(day) as number) + x.bandwidth() / 2

  const parts: string[] = [legendBlock.markup, grid.markup, dayLabels(days, x, plotBottom), baseline(plotLeft, plotRight, plotBottom)]

  const stacked = stackPieces(days, keys, (day, key) => values.get(day)?.get(key) ?? 0)

  parts.push('<g class="bars">')
  const figures: string[] = []
  days.forEach((day, dayIndex) => {
    const pieces = stacked[dayIndex]
    const breakdown = pieces.map((piece) => `${piece.key === OTHER_KEY ? 'other projects' : endRightToLeftRun(piece.key)} ${formatCredits(piece.high - piece.low)}`)
    const previousText = comparison ? `; previous window day ${dayIndex + 1}: ${formatCredits(comparison[dayIndex])}` : ''
    const tooltip = `${day}: ${formatCredits(dayTotals[dayIndex])} credits${breakdown.length > 0 ? ` (${breakdown.join(', ')})` : ''}${previousText}`
    figures.push(tooltip)
    const rects = pieces.map((piece) => pieceRect(x(day) as number, x.bandwidth(), y(piece.low), y(piece.high), piece.key === OTHER_KEY ? OTHER_COLOUR : colours.colour(piece.key)))
    parts.push(`<g><title>${escapeXml(tooltip)}</title>${rects.join('')}</g>`)
  })
  parts.push('</g>')

  if (comparison) {
    const points = comparison.map((credits, index) => [Math.round(centre(days[index]) * 10) / 10, Math.round(y(credits) * 10) / 10] as [number, number])
    const path = line()(points) ?? ''
    parts.push(
      `<g class="comparison" opacity="0.7"><path d="${path}" fill="none" stroke="${COMPARISON_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3"/>` +
        points.map(([cx, cy]) => `<circle cx="${px(cx)}" cy="${px(cy)}" r="2.5" fill="${COMPARISON_COLOUR}"/>`).join('') +
        '</g>',
    )
  }
  if (!hasUsage) {
    parts.push(`<text x="${px((plotLeft + plotRight) / 2)}" y="${px(plotTop + 20)}" text-anchor="middle" font-size="14" fill="${MUTED_INK}">No usage in this window</text>`)
  }

  const busiest = days.reduce((best, day, index) => (dayTotals[index] > dayTotals[best] ? index : best), 0)
  const change = previous
    ? ` The previous window used ${formatCredits(previousTotal)} credits, shown as a dashed line aligned by day.`
    : summary.comparison
      ? ' The input holds no data for the previous window.'
      : ''
  // Said wherever the total is, or the bars would not add up to the total the chart states.
  const undated = undatedCredits(summary)
  const undatedSentence = undated !== 0 ? ` ${formatCredits(undated)} credits of rows without a JOB_RUN_DATE belong to no day and are not drawn.` : ''
  const description =
    `Stacked column chart of credits per UTC day in ${window}, ${formatCredits(total)} credits in total, split by the top ${keys.filter((k) => k !== OTHER_KEY).length} projects and other projects.` +
    undatedSentence +
    (hasUsage ? ` Busiest day: ${days[busiest]} with ${formatCredits(dayTotals[busiest])} credits.` : '') +
    change
  const previousText = previous ? ` · previous window ${formatCredits(previous.previous.credits)}` : summary.comparison ? ' · previous window: no data' : ''
  const undatedText = undated !== 0 ? ` (${formatCredits(undated)} without a JOB_RUN_DATE, in no day)` : ''
  const subtitle = `${window} · ${formatCredits(total)} credits${undatedText}${previousText}`
  return svgDocument({id: DAY_CHART_ID, title, subtitle, description, figures, height}, parts.join('\n'))
}
