/**
 * WCAG 1.4.11: a bar, a column piece and a legend swatch stand 3:1 against the white chart. The palette keeps
 * its colour-blind-safe light colours (the yellow is 1.3:1 on white), so each mark carries an outline that does.
 */
import {describe, expect, test} from '@jest/globals'

import {renderCharts} from '../../src/charts/index.js'
import {contrastRatio, markOutline, OTHER_COLOUR, OVERFLOW_COLOUR, PALETTE} from '../../src/charts/palette.js'
import {withHistory} from '../history/fixtures.js'
import {HOSTILE_NAMES, makeSummary} from './fixtures.js'

describe('chart marks against the white chart', () => {
  test('the contrast ratio is WCAG 2\'s', () => {
    expect(contrastRatio('#000000', '#FFFFFF')).toBeCloseTo(21, 6)
    expect(contrastRatio('#FFFFFF', '#FFFFFF')).toBe(1)
    // The palette's yellow: the reason for outlines.
    expect(contrastRatio('#F0E442', '#FFFFFF')).toBeLessThan(1.4)
  })

  test('every palette colour gets a darker outline that stands 3:1 against white', () => {
    for (const fill of [...PALETTE, OTHER_COLOUR, OVERFLOW_COLOUR]) {
      const outline = markOutline(fill)
      expect(outline).toMatch(/^#[0-9A-F]{6}$/)
      expect(outline).not.toBe(fill)
      expect(contrastRatio(outline, '#FFFFFF')).toBeGreaterThanOrEqual(3)
    }
  })

  test('every filled rectangle of every chart, but the background, has an outline of 3:1 or more', () => {
    const summary = withHistory(makeSummary({projects: 12, days: 9, names: HOSTILE_NAMES, comparison: true}), HOSTILE_NAMES, {partialWeek: true})
    const charts = renderCharts(summary)
    expect(charts.map((chart) => chart.name)).toContain('credits-by-week.svg')
    let marks = 0
    for (const chart of charts) {
      for (const rect of chart.svg.match(/<rect\b[^>]*>/g) ?? []) {
        const fill = /fill="(#[0-9A-Fa-f]{6})"/.exec(rect)?.[1]
        if (!fill || ['#FFFFFF', '#F5F7FA'].includes(fill.toUpperCase())) continue
        marks++
        const stroke = /stroke="(#[0-9A-Fa-f]{6})"/.exec(rect)?.[1]
        expect({rect, stroke}).toEqual({rect, stroke: expect.any(String)})
        expect(contrastRatio(stroke!, '#FFFFFF')).toBeGreaterThanOrEqual(3)
      }
    }
    expect(marks).toBeGreaterThan(50)
  })
})
