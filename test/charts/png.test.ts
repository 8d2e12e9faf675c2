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

  test('a day of a few credits beside days of tens of thousands still shows a column of its colour above the baseline', () => {
    // 1 credit in a 240 px plot scaled to ~30,000 is a hundredth of a pixel: drawn at the least height under the
    // baseline, the column vanished and the day read as zero.
    const tiny = makeSummary({projects: 3, days: 7})
    const quietDay = tiny.dayByProject[0].day.replace(/10$/, '13')
    tiny.dayByProject = tiny.dayByProject.map((point) => (point.day === quietDay ? {...point, credits: 0} : point))
    const first = tiny.dayByProject.find((point) => point.day === quietDay)
    if (!first) throw new Error(`no point on ${quietDay}`)
    first.credits = 1
    const dayChart = renderCharts(tiny).find((chart) => chart.name === 'credits-by-day.svg')?.svg ?? ''
    const column = new RegExp(`<g><title>${quietDay}: 1 credits[^<]*</title><rect x="([\\d.]+)" y="[\\d.]+" width="([\\d.]+)"`).exec(dayChart)
    expect(column).not.toBeNull()
    const baseline = Number(/<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="\1" stroke="#52606D"\/>/.exec(dayChart)?.[1])
    expect(baseline).toBeGreaterThan(100)
    const image = decodePng(renderChartPng(dayChart, {width: 800}))
    const centre = Math.round(Number(column?.[1]) + Number(column?.[2]) / 2)
    const i = ((Math.round(baseline) - 1) * image.width + centre) * 4
    const [r, g, b] = image.rgba.slice(i, i + 3)
    // A palette colour, not white and not the grey of the axis.
    expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeGreaterThan(60)
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
