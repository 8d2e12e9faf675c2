/** The parts the stacked column charts (credits by day, credits by week) share: stacking, the credit grid, labels. */
import type {ScaleBand, ScaleLinear} from 'd3-scale'
import {stack} from 'd3-shape'

import {escapeXml} from './escape.js'
import {markOutline} from './palette.js'
import {formatAxisCredits, formatDayShort} from './format.js'
import {CHART_WIDTH, FONT_SIZE, GRID, MUTED_INK, PAD, px} from './svg.js'
import {textWidth} from './text-metrics.js'

/** One coloured piece of a stacked column: the series `key` from `low` to `high`. */
export interface StackPiece {
  key: string
  low: number
  high: number
}

/**
 * Each category's pieces stacked in `keys` order (bottom first), empty pieces left out, negative values read as 0.
 * Rows are keyed by series only, so a series may be called anything (even like a category field).
 */
export function stackPieces(categories: readonly string[], keys: readonly string[], valueOf: (category: string, key: string) => number): StackPiece[][] {
  const rows = categories.map((category) => new Map(keys.map((key) => [key, Math.max(0, valueOf(category, key))])))
  const stacked = stack<Map<string, number>, string>()
    .keys(keys)
    .value((row, key) => row.get(key) ?? 0)(rows)
  return categories.map((_, index) => stacked.map((series) => ({key: series.key, low: series[index][0], high: series[index][1]})).filter((piece) => piece.high > piece.low))
}

/**
 * One piece of a stacked column, from `yLow` up to `yHigh`. A non-zero piece thinner than a pixel still gets
 * one, grown upwards from its foot: a day of a few credits beside days of thousands must not read as zero.
 */
export function pieceRect(x: number, width: number, yLow: number, yHigh: number, fill: string): string {
  const top = Math.min(yHigh, yLow - 1)
  return `<rect x="${px(x)}" y="${px(top)}" width="${px(width)}" height="${px(yLow - top)}" fill="${fill}" stroke="${markOutline(fill)}"/>`
}

/** The line the columns stand on; drawn before them, so that a column one pixel high is not hidden under it. */
export function baseline(plotLeft: number, plotRight: number, plotBottom: number): string {
  return `<line x1="${px(plotLeft)}" y1="${px(plotBottom)}" x2="${px(plotRight)}" y2="${px(plotBottom)}" stroke="${MUTED_INK}"/>`
}

/** The credit axis: the plot starts after the widest tick label; horizontal grid lines with their labels. */
export function creditGrid(y: ScaleLinear<number, number>): {plotLeft: number; plotRight: number; markup: string} {
  const ticks = y.ticks(5)
  const labels = ticks.map((tick) => formatAxisCredits(tick, y.domain()[1]))
  const plotLeft = PAD + Math.max(...labels.map((label) => textWidth(label, FONT_SIZE))) + 8
  const plotRight = CHART_WIDTH - PAD
  const parts = ['<g class="grid">']
  ticks.forEach((tick, index) => {
    parts.push(`<line x1="${px(plotLeft)}" y1="${px(y(tick))}" x2="${px(plotRight)}" y2="${px(y(tick))}" stroke="${GRID}"/>`)
    parts.push(`<text x="${px(plotLeft - 6)}" y="${px(y(tick) + 4)}" text-anchor="end" fill="${MUTED_INK}">${escapeXml(labels[index])}</text>`)
  })
  parts.push('</g>')
  return {plotLeft, plotRight, markup: parts.join('\n')}
}

/**
 * Day labels (`Nov 10`) under the columns: every k-th one, so that labels never collide whatever the number of
 * columns, and the last one too when `labelLast` (the regular label before it gives way when the two would
 * touch). A label centred under a column at the very edge would stick out of the chart (cut off in the PNG and
 * the page): it is moved in until it fits.
 */
export function dayLabels(days: readonly string[], x: ScaleBand<string>, plotBottom: number, labelLast = false): string {
  const labelWidth = Math.max(...days.map((day) => textWidth(formatDayShort(day), FONT_SIZE))) + 8
  const labelEvery = Math.max(1, Math.ceil(labelWidth / x.step()))
  const centreOf = (day: string): number => {
    const half = textWidth(formatDayShort(day), FONT_SIZE) / 2
    return Math.min(Math.max((x(day) as number) + x.bandwidth() / 2, half + 1), CHART_WIDTH - half - 1)
  }
  const labelled = days.filter((_, index) => index % labelEvery === 0)
  const last = days.at(-1)
  if (labelLast && last !== undefined && labelled.at(-1) !== last) {
    const before = labelled.at(-1)
    if (before !== undefined && centreOf(last) - centreOf(before) < labelWidth) labelled.pop()
    labelled.push(last)
  }
  const parts = ['<g class="x-axis">']
  for (const day of labelled) {
    parts.push(`<text x="${px(centreOf(day))}" y="${px(plotBottom + 16)}" text-anchor="middle" fill="${MUTED_INK}">${escapeXml(formatDayShort(day))}</text>`)
  }
  parts.push('</g>')
  return parts.join('\n')
}
