import {renderChartPng, renderCharts} from '../../src/charts/index.js'
import {makeSummary} from './fixtures.js'
import {countDarkPixels, decodePng} from './png-reader.js'

/** The same chart with every <text> removed: what resvg would draw if it had no usable font. */
const withoutText = (svg: string): string => svg.replace(/<text\b[^>]*>[^<]*<\/text>/g, '')

describe('renderChartPng', () => {
  const summary = makeSummary({projects: 12, comparison: true})
  const [projectChart] = renderCharts(summary)

  test('rasterises at the requested width with the aspect ratio of the SVG', () => {
    const height = Number(/height="([\d.]+)"/.exec(projectChart.svg)?.[1])
    const image = decodePng(renderChartPng(projectChart.svg, {width: 800}))
    expect(image.width).toBe(800)
    expect(image.height).toBe(Math.round(height))
    expect(decodePng(renderChartPng(projectChart.svg)).width).toBe(1600)
  })

  test('draws the project labels and value labels (the embedded DejaVu font is used)', () => {
    const firstBarX = Number(/<g class="bars">\n<g><title>[^<]*<\/title><text [^>]*>[^<]*<\/text><rect x="([\d.]+)"/.exec(projectChart.svg)?.[1])
    expect(firstBarX).toBeGreaterThan(50)
    const labelColumn = {x: 0, y: 60, width: Math.floor(firstBarX) - 3, height: 400}
    const withLabels = decodePng(renderChartPng(projectChart.svg, {width: 800}))
    const bare = decodePng(renderChartPng(withoutText(projectChart.svg), {width: 800}))
    const labelInk = countDarkPixels(withLabels, labelColumn)
    // 11 labels of ~10 glyphs: thousands of dark pixels; none without text.
    expect(countDarkPixels(bare, labelColumn)).toBe(0)
    expect(labelInk).toBeGreaterThan(1000)
    const whole = {x: 0, y: 0, width: withLabels.width, height: withLabels.height}
    expect(countDarkPixels(withLabels, whole) - countDarkPixels(bare, whole)).toBeGreaterThan(labelInk + 1000)
  })

  test('same SVG, same PNG bytes', () => {
    expect(renderChartPng(projectChart.svg, {width: 400}).equals(renderChartPng(projectChart.svg, {width: 400}))).toBe(true)
  })

  test('the empty chart rasterises with its message', () => {
    const [empty] = renderCharts(makeSummary({projects: 0}))
    const image = decodePng(renderChartPng(empty.svg, {width: 800}))
    const bare = decodePng(renderChartPng(withoutText(empty.svg), {width: 800}))
    const messageBox = {x: 250, y: 100, width: 300, height: 40}
    expect(countDarkPixels(image, messageBox, 140)).toBeGreaterThan(200)
    expect(countDarkPixels(bare, messageBox, 140)).toBe(0)
  })
})
