import {scaleBand, scaleLinear} from 'd3-scale'

import type {Summary, Trend} from '../analysis/summary.js'
import {lastWeekChange} from '../analysis/week-change.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {escapeXml} from './escape.js'
import {baseline, creditGrid, dayLabels, pieceRect, stackPieces} from './columns.js'
import {formatCredits, formatPercentChange} from './format.js'
import {OTHER_COLOUR, OTHER_KEY, PALETTE, projectColours} from './palette.js'
import {emptyChart, HEADER_HEIGHT, legend, type LegendItem, PAD, type RenderedChart, svgDocument} from './svg.js'
import {WEEK_CHART_ID} from './week-chart-name.js'

const PLOT_HEIGHT = 240
const X_AXIS_HEIGHT = 24
/** The current week is still running: drawn lighter, so it does not read as a drop. */
const PARTIAL_OPACITY = 0.45

/**
 * Series colours: a project keeps the colour it has in the other charts (its rank in breakdowns.project); the
 * other series take the palette colours still free, in trend order. Series beyond the palette join "other".
 */
function seriesColours(summary: Summary, trend: Trend, keys: string[], maxSeries: number): Map<string, string> {
  const colours = new Map<string, string>()
  const used = new Set<string>()
  if (trend.split.by === 'project') {
    const ranks = projectColours(summary.breakdowns.project)
    for (const key of keys) {
      const rank = ranks.rank(key)
      if (rank !== undefined && rank < PALETTE.length && colours.size < maxSeries) {
        colours.set(key, PALETTE[rank])
        used.add(PALETTE[rank])
      }
    }
  }
  const free = PALETTE.filter((colour) => !used.has(colour))
  for (const key of keys) if (!colours.has(key) && colours.size < maxSeries && free.length > 0) colours.set(key, free.shift() as string)
  return colours
}

/**
 * Credits per ISO week stacked by the top projects (or teams), the current partial week drawn lighter. Pure:
 * null when the summary has no trend (no --history).
 */
export function weekChart(summary: Summary, top: number): RenderedChart | null {
  const trend = summary.trend
  if (!trend) return null
  const title = 'Credits by week'
  const weeks = trend.weeks.map((week) => week.start)
  const span = weeks.length > 0 ? `${trend.weeks.length} ISO week${trend.weeks.length === 1 ? '' : 's'} from ${weeks[0]} (UTC)` : 'no week'
  const noun = trend.split.by === 'team' ? 'team' : 'project'
  const totals = new Map<string, number>()
  for (const point of trend.split.points) if (point.key !== OTHER_KEY) totals.set(point.key, (totals.get(point.key) ?? 0) + point.credits)
  const ranked = [...totals].filter(([, credits]) => credits > 0).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([key]) => key)
  const colours = seriesColours(summary, trend, ranked, Math.max(1, Math.min(Math.floor(top), PALETTE.length)))
  const keys = ranked.filter((key) => colours.has(key))

  const values = new Map<string, Map<string, number>>(weeks.map((week) => [week, new Map()]))
  for (const point of trend.split.points) {
    const perWeek = values.get(point.week)
    if (!perWeek || !Number.isFinite(point.credits)) continue
    const series = colours.has(point.key) ? point.key : OTHER_KEY
    perWeek.set(series, (perWeek.get(series) ?? 0) + point.credits)
  }
  if ([...values.values()].some((perWeek) => (perWeek.get(OTHER_KEY) ?? 0) !== 0)) keys.push(OTHER_KEY)
  const weekTotals = trend.weeks.map((week) => week.credits)
  if (weeks.length === 0 || !weekTotals.some((credits) => credits > 0)) {
    return emptyChart({id: WEEK_CHART_ID, title, subtitle: `${span} · no credits used`, description: `No credits were used in ${span}.`})
  }

  const labelOf = (key: string) => (key === OTHER_KEY ? `other ${noun}s` : key)
  const legendItems: LegendItem[] = keys.map((key) => ({label: labelOf(key), colour: key === OTHER_KEY ? OTHER_COLOUR : (colours.get(key) as string)}))
  const legendBlock = legend(legendItems, HEADER_HEIGHT)
  const plotTop = HEADER_HEIGHT + legendBlock.height + 14
  const plotBottom = plotTop + PLOT_HEIGHT
  const height = plotBottom + X_AXIS_HEIGHT + PAD / 2

  const y = scaleLinear()
    .domain([0, Math.max(1, ...weekTotals)])
    .range([plotBottom, plotTop])
    .nice(5)
  const grid = creditGrid(y)
  const x = scaleBand<string>().domain(weeks).range([grid.plotLeft, grid.plotRight]).paddingInner(0.25).paddingOuter(0.1)
  const {plotLeft, plotRight} = grid
  const parts: string[] = [legendBlock.markup, grid.markup, dayLabels(weeks, x, plotBottom, true), baseline(plotLeft, plotRight, plotBottom)]

  const stacked = stackPieces(weeks, keys, (week, key) => values.get(week)?.get(key) ?? 0)
  parts.push('<g class="bars">')
  const figures: string[] = []
  trend.weeks.forEach((week, index) => {
    const pieces = stacked[index]
    const breakdown = pieces.map((piece) => `${endRightToLeftRun(labelOf(piece.key))} ${formatCredits(piece.high - piece.low)}`)
    const state = week.complete ? '' : index === trend.weeks.length - 1 ? ' (so far, the week is not complete)' : ' (the history does not hold all its days)'
    const tooltip = `Week of ${week.start}${state}: ${formatCredits(week.credits)} credits${breakdown.length > 0 ? ` (${breakdown.join(', ')})` : ''}`
    figures.push(tooltip)
    const rects = pieces.map((piece) => pieceRect(x(week.start) as number, x.bandwidth(), y(piece.low), y(piece.high), piece.key === OTHER_KEY ? OTHER_COLOUR : (colours.get(piece.key) as string)))
    const opacity = week.complete ? '' : ` opacity="${PARTIAL_OPACITY}"`
    parts.push(`<g${opacity}><title>${escapeXml(tooltip)}</title>${rects.join('')}</g>`)
  })
  parts.push('</g>')

  const weekChange = lastWeekChange(trend)
  const last = weekChange?.last
  const pct = weekChange?.pct ?? null
  // The page's own figure for the same change ("+1,150.0%", "±0.0%"), so the description never reads otherwise.
  const change = pct === null ? '' : `, ${formatPercentChange(pct)} on the week before`
  const partial = trend.weeks.some((week) => !week.complete) ? ' Weeks the history does not hold in full (the current one, and past weeks it lacks days of) are drawn lighter.' : ''
  const description =
    `Stacked column chart of credits per ISO week, ${span}, split by the top ${keys.filter((key) => key !== OTHER_KEY).length} ${noun}s and other ${noun}s.` +
    (last ? ` Last complete week (${last.start}): ${formatCredits(last.credits)} credits${change}.` : '') +
    partial
  const subtitle = `${span}${last ? ` · last complete week ${formatCredits(last.credits)} credits` : ''}`
  return svgDocument({id: WEEK_CHART_ID, title, subtitle, description, figures, height}, parts.join('\n'))
}
