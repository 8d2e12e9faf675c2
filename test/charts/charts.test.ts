import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {OTHER_KEY, type Summary} from '../../src/analysis/summary.js'
import {type ChartFile, renderCharts} from '../../src/charts/index.js'
import {formatCredits} from '../../src/charts/format.js'
import {OTHER_COLOUR, PALETTE} from '../../src/charts/palette.js'
import {textWidth} from '../../src/charts/text-metrics.js'
import {HOSTILE_NAMES, makeSummary} from './fixtures.js'

const byName = (charts: ChartFile[], name: string): string => {
  const chart = charts.find((c) => c.name === name)
  if (!chart) throw new Error(`no ${name} in ${charts.map((c) => c.name).join(', ')}`)
  return chart.svg
}

const parser = new XMLParser({ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, trimValues: false, processEntities: true, htmlEntities: false})

/** Every text node of a parsed document, entities decoded: what a viewer would show. */
function textNodes(svg: string): string[] {
  const out: string[] = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === '#text') out.push(String(value))
        else if (key !== ':@') walk(value)
      }
    }
  }
  walk(parser.parse(svg))
  return out
}

/** Elements of one tag with their attributes, in document order. */
function elements(svg: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>
      if (tag in record) out.push((record[':@'] ?? {}) as Record<string, string>)
      for (const [key, value] of Object.entries(record)) if (key !== ':@') walk(value)
    }
  }
  walk(parser.parse(svg))
  return out
}

const CASES: Record<string, Summary> = {
  'five projects with comparison': makeSummary({projects: 5, comparison: true}),
  'twelve projects, priced, two weeks': makeSummary({projects: 12, days: 14, creditPrice: 0.0006, comparison: true}),
  'forty projects, upstream other, a month': makeSummary({projects: 40, days: 31, upstreamOtherAfter: 25}),
  'no projects at all': makeSummary({projects: 0}),
  'projects with zero credits': makeSummary({projects: 3, allZero: true, comparison: true}),
  'hostile names': makeSummary({projects: 8, names: HOSTILE_NAMES, comparison: true, dayProjects: 8}),
}

describe('renderCharts', () => {
  test.each(Object.entries(CASES))('%s: three well-formed, accessible SVGs', (_, summary) => {
    const charts = renderCharts(summary)
    expect(charts.map((c) => c.name)).toEqual(['credits-by-project.svg', 'credits-by-day.svg', 'credits-by-resource-class.svg'])
    for (const chart of charts) {
      expect(XMLValidator.validate(chart.svg)).toBe(true)
      const [root] = elements(chart.svg, 'svg')
      const id = chart.name.replace(/\.svg$/, '')
      expect(root['@role']).toBe('img')
      // Opened on its own (the artifacts tab), the SVG is the page: a screen reader needs its language (WCAG 3.1.1).
      expect(root['@xml:lang']).toBe('en')
      // A short name (the title), the figures in the description.
      expect(root['@aria-labelledby']).toBe(`${id}-title`)
      expect(root['@aria-describedby']).toBe(`${id}-desc`)
      expect(elements(chart.svg, 'title')[0]['@id']).toBe(`${id}-title`)
      expect(elements(chart.svg, 'desc')[0]['@id']).toBe(`${id}-desc`)
      expect(root['@font-family']).toMatch(/^'DejaVu Sans',.*sans-serif$/)
      expect(chart.svg).not.toMatch(/NaN|undefined|Infinity|null/)
    }
  })

  test('snapshots: five projects with comparison', () => {
    for (const chart of renderCharts(CASES['five projects with comparison'])) expect(chart.svg).toMatchSnapshot(chart.name)
  })

  test('snapshots: twelve projects, priced', () => {
    for (const chart of renderCharts(CASES['twelve projects, priced, two weeks'], {top: 8})) expect(chart.svg).toMatchSnapshot(chart.name)
  })

  test('snapshots: no usage', () => {
    for (const chart of renderCharts(CASES['no projects at all'])) expect(chart.svg).toMatchSnapshot(chart.name)
  })

  test('deterministic: same input, same bytes, whatever the order of the breakdown rows', () => {
    const summary = makeSummary({projects: 12, comparison: true})
    const first = renderCharts(summary)
    const shuffled: Summary = structuredClone(summary)
    shuffled.breakdowns.project.reverse()
    shuffled.breakdowns.resourceClass.reverse()
    shuffled.dayByProject.reverse()
    expect(renderCharts(structuredClone(summary))).toEqual(first)
    expect(renderCharts(shuffled)).toEqual(first)
  })

  test.each([
    ['no projects at all', CASES['no projects at all']],
    ['projects with zero credits', CASES['projects with zero credits']],
  ])('%s: every chart says there was no usage, with no bars', (_, summary) => {
    for (const chart of renderCharts(summary)) {
      expect(textNodes(chart.svg)).toContain('No usage in this window')
      expect(chart.svg).not.toContain('class="bars"')
    }
  })
})

describe('escaping', () => {
  const summary = CASES['hostile names']
  const charts = renderCharts(summary)

  test('markup in names never reaches the SVG as markup', () => {
    for (const chart of charts) {
      expect(chart.svg).not.toContain('<script')
      expect(chart.svg).not.toContain('<img')
      expect(chart.svg).not.toContain(']]>')
      expect(elements(chart.svg, 'script')).toHaveLength(0)
      expect(elements(chart.svg, 'img')).toHaveLength(0)
    }
  })

  test('parsed text equals the original names (short ones whole, long ones in the tooltip)', () => {
    for (const name of ['credits-by-project.svg', 'credits-by-day.svg']) {
      const texts = textNodes(byName(charts, name))
      for (const hostile of HOSTILE_NAMES) {
        const shownWhole = texts.includes(hostile)
        const inTooltip = texts.some((text) => text.startsWith(`${hostile}:`) || text.includes(`${hostile} `))
        expect({name, hostile, found: shownWhole || inTooltip}).toEqual({name, hostile, found: true})
      }
    }
    const projectTexts = textNodes(byName(charts, 'credits-by-project.svg'))
    for (const short of HOSTILE_NAMES.slice(0, 3)) expect(projectTexts).toContain(short)
  })

  test('a 200-character name is truncated with an ellipsis to the label column and kept whole in <title>', () => {
    const long = HOSTILE_NAMES[4]
    const texts = textNodes(byName(charts, 'credits-by-project.svg'))
    const truncated = texts.find((text) => text.endsWith('\u2026') && long.startsWith(text.slice(0, -1)))
    expect(truncated).toBeDefined()
    expect(textWidth(truncated as string, 12)).toBeLessThanOrEqual(230)
    expect(texts.some((text) => text.startsWith(`${long}:`))).toBe(true)
  })
})

describe('labels of names that share a long start', () => {
  // Two organizations with a project of the same name make keys "org/project"; a long organization name (or a
  // long common prefix) cut at the end left every such bar and legend entry reading "organization-organizat…".
  const prefix = 'hewlett-packard-enterprise-cloud-services/'
  const names = [`${prefix}alpha-service`, `${prefix}beta-service`, `${prefix}gamma-service`, 'web']
  const charts = renderCharts(makeSummary({projects: 4, names, dayProjects: 4}))

  test('bars: the labels that would read the same keep their ends, each within the label column', () => {
    const svg = byName(charts, 'credits-by-project.svg')
    const labels = [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/g)].map(([, label]) => textNodes(`<t>${label}</t>`)[0])
    expect(labels).toHaveLength(4)
    expect(new Set(labels).size).toBe(4)
    expect(labels).toContain('web')
    for (const end of ['alpha-service', 'beta-service', 'gamma-service']) {
      const label = labels.find((text) => text.endsWith(end))
      expect({end, label: label !== undefined && label.startsWith('hewlett') && label.includes('\u2026')}).toEqual({end, label: true})
      expect(textWidth(label as string, 12)).toBeLessThanOrEqual(230)
    }
  })

  test('legend: every entry of the day chart reads differently', () => {
    const svg = byName(charts, 'credits-by-day.svg')
    const legend = svg.slice(svg.indexOf('<g class="legend">'), svg.indexOf('<g class="grid">'))
    const entries = [...legend.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map(([, label]) => label)
    expect(entries.length).toBeGreaterThanOrEqual(4)
    expect(new Set(entries).size).toBe(entries.length)
  })
})

describe('right-to-left names in tooltips', () => {
  // A tooltip is one line of text: without the left-to-right mark, the figure after a Hebrew or Arabic name joins
  // the name's right-to-left run and shows before it, beside the previous name of a day's list.
  const LRM = '\u200E'
  const summary = makeSummary({projects: 3, names: ['פרויקט-123', 'مشروع', 'web'], dayProjects: 3})
  const charts = renderCharts(summary)

  test('the bar tooltip ends the name\'s run before its figures; the label alone is left as it is', () => {
    const texts = textNodes(byName(charts, 'credits-by-project.svg'))
    expect(texts.some((text) => text.startsWith(`פרויקט-123${LRM}: `))).toBe(true)
    expect(texts.some((text) => text.startsWith(`مشروع${LRM}: `))).toBe(true)
    expect(texts).toContain('פרויקט-123')
  })

  test('each right-to-left name in a day\'s list is ended before its figure; left-to-right names get no mark', () => {
    const tooltips = textNodes(byName(charts, 'credits-by-day.svg')).filter((text) => /^\d{4}-\d{2}-\d{2}: /.test(text))
    expect(tooltips.length).toBeGreaterThan(0)
    for (const tooltip of tooltips.filter((text) => text.includes('مشروع'))) expect(tooltip).toMatch(new RegExp(`مشروع${LRM} \\d`))
    expect(tooltips.some((text) => text.includes('مشروع'))).toBe(true)
    for (const tooltip of tooltips) expect(tooltip).toMatch(/web \d/)
  })
})

describe('credits-by-project', () => {
  test('top N plus an "other" bar that adds up every remaining project and the upstream "other" bucket', () => {
    const summary = makeSummary({projects: 40, upstreamOtherAfter: 25})
    const svg = byName(renderCharts(summary, {top: 10}), 'credits-by-project.svg')
    const ranked = [...summary.breakdowns.project].filter((b) => b.key !== OTHER_KEY).sort((a, b) => b.credits - a.credits)
    const rest = summary.totals.credits.total - ranked.slice(0, 10).reduce((sum, b) => sum + b.credits, 0)
    const texts = textNodes(svg)
    expect(texts).toContain('other (30 projects)')
    expect(texts.some((text) => text.startsWith(`${rest.toLocaleString('en-US')} (`))).toBe(true)
    // Bars are sorted: widths never grow down the chart, "other" aside.
    const widths = elements(svg, 'rect')
      .filter((r) => r['@height'] === '16')
      .map((r) => Number(r['@width']))
    expect(widths).toHaveLength(11)
    const named = widths.slice(0, 10)
    expect(named).toEqual([...named].sort((a, b) => b - a))
  })

  test('value labels carry share in percent and dollars when a credit price is set', () => {
    const summary = makeSummary({projects: 3, creditPrice: 0.0006})
    const texts = textNodes(byName(renderCharts(summary), 'credits-by-project.svg'))
    const first = summary.breakdowns.project[0]
    const share = `${(first.share * 100).toFixed(1)}%`
    const dollars = `$${(first.credits * 0.0006).toFixed(2)}`
    expect(texts).toContain(`${first.credits.toLocaleString('en-US')} (${share}) · ${dollars}`)
  })
})

describe('colours', () => {
  test('a project has the same colour in the bar and the day chart; "other" is always grey', () => {
    const summary = makeSummary({projects: 12, comparison: true})
    const charts = renderCharts(summary, {top: 5})
    const barFills = elements(byName(charts, 'credits-by-project.svg'), 'rect')
      .filter((r) => r['@height'] === '16')
      .map((r) => r['@fill'])
    expect(barFills).toEqual([...PALETTE.slice(0, 5), OTHER_COLOUR])

    const legendOf = (svg: string): Map<string, string> => {
      const legend = new Map<string, string>()
      const items = /<g>(?:<title>[^<]*<\/title>)?<rect [^>]*fill="([^"]+)"[^>]*\/><text [^>]*>([^<]*)<\/text><\/g>/g
      for (const [, fill, label] of svg.matchAll(items)) legend.set(textNodes(`<t>${label}</t>`)[0], fill)
      return legend
    }
    const dayLegend = legendOf(byName(charts, 'credits-by-day.svg'))
    summary.breakdowns.project.slice(0, 5).forEach((bucket, rank) => expect(dayLegend.get(bucket.key)).toBe(PALETTE[rank]))
    expect(dayLegend.get('other projects')).toBe(OTHER_COLOUR)
  })
})

/** The text a screen reader gets for a chart besides its title: the <desc>, entities decoded. */
function descText(svg: string): string {
  const desc = svg.match(/<desc\b[^>]*>[^<]*<\/desc>/)
  if (!desc) throw new Error('no <desc>')
  return textNodes(desc[0]).join('')
}

/**
 * WCAG 1.1.1: an SVG with role="img" is read as its title and desc only, never its text elements (the labels
 * after the bars, the tooltips), so the desc must carry every figure drawn, as the standalone file is opened too.
 */
describe('each chart describes every bar and column it draws', () => {
  const summary = makeSummary({projects: 12, days: 14, creditPrice: 0.0006, comparison: true})
  const charts = renderCharts(summary, {top: 8})

  test('credits-by-project: every named project with its credits, and the other bar', () => {
    const desc = descText(byName(charts, 'credits-by-project.svg'))
    const named = summary.breakdowns.project.filter((bucket) => bucket.key !== OTHER_KEY).sort((a, b) => b.credits - a.credits)
    for (const bucket of named.slice(0, 8)) expect(desc).toContain(`${bucket.key}: ${formatCredits(bucket.credits)} credits`)
    const rest = named.slice(8).reduce((sum, bucket) => sum + bucket.credits, 0)
    expect(desc).toContain(`other (4 projects): ${formatCredits(rest)} credits`)
  })

  test('credits-by-day: every day with its credits', () => {
    const desc = descText(byName(charts, 'credits-by-day.svg'))
    expect(summary.breakdowns.day).toHaveLength(14)
    for (const bucket of summary.breakdowns.day) expect(desc).toContain(`${bucket.day}: ${formatCredits(bucket.credits)} credits`)
  })

  test('credits-by-resource-class: every class with its credits and its failed credits', () => {
    const desc = descText(byName(charts, 'credits-by-resource-class.svg'))
    expect(summary.breakdowns.resourceClass.length).toBeGreaterThan(1)
    for (const bucket of summary.breakdowns.resourceClass) {
      expect(desc).toContain(`${bucket.key}: ${formatCredits(bucket.credits)} credits`)
      expect(desc).toContain(`${formatCredits(bucket.failedCredits)} of them on failed jobs`)
    }
  })
})

describe('credits-by-day', () => {
  test('a day without data is drawn as zero, not skipped', () => {
    const summary = makeSummary({projects: 3, days: 7})
    const silentDay = summary.window.start.slice(0, 10).replace(/10$/, '12')
    summary.dayByProject = summary.dayByProject.filter((point) => point.day !== silentDay)
    summary.breakdowns.day = summary.breakdowns.day.filter((bucket) => bucket.day !== silentDay)
    const texts = textNodes(byName(renderCharts(summary), 'credits-by-day.svg'))
    expect(texts).toContain(`${silentDay}: 0 credits`)
    expect(texts.filter((text) => /^\d{4}-\d{2}-\d{2}: /.test(text))).toHaveLength(7)
  })

  test('the previous window appears as a dashed line only when there is a comparison', () => {
    const withComparison = byName(renderCharts(makeSummary({comparison: true})), 'credits-by-day.svg')
    const without = byName(renderCharts(makeSummary({comparison: false})), 'credits-by-day.svg')
    expect(withComparison).toMatch(/<g class="comparison"[^>]*><path d="M[^"]+" fill="none"[^>]*stroke-dasharray/)
    expect(textNodes(withComparison).some((t) => t.startsWith('previous window'))).toBe(true)
    expect(without).not.toContain('class="comparison"')
  })

  test('a previous window the input holds no rows for reads as no data, not as a line of zeros', () => {
    const summary = makeSummary({comparison: true})
    const comparison = summary.comparison!
    summary.comparison = {
      ...comparison,
      previous: {credits: 0, jobs: 0, failedCredits: 0, rows: 0},
      previousByDay: comparison.previousByDay.map((day) => ({...day, credits: 0, jobs: 0})),
      previousEmpty: true,
    }
    const svg = byName(renderCharts(summary), 'credits-by-day.svg')
    expect(svg).not.toContain('class="comparison"')
    const texts = textNodes(svg)
    expect(texts.some((t) => t.startsWith('previous window ('))).toBe(false)
    expect(texts.some((t) => t.endsWith('· previous window: no data'))).toBe(true)
    expect(texts.some((t) => /previous window 0\b/.test(t))).toBe(false)
  })

  test('every day label stays inside the chart, the last one of a 366-day window too', () => {
    for (let days = 2; days <= 366; days++) {
      const svg = byName(renderCharts(makeSummary({projects: 3, days})), 'credits-by-day.svg')
      const axis = svg.slice(svg.indexOf('<g class="x-axis">'), svg.indexOf('</g>', svg.indexOf('<g class="x-axis">')))
      const labels = [...axis.matchAll(/<text x="([\d.]+)"[^>]*text-anchor="middle"[^>]*>([^<]*)<\/text>/g)]
      expect(labels.length).toBeGreaterThan(1)
      for (const [, x, label] of labels) {
        const half = textWidth(label, 12) / 2
        expect({days, label, inside: Number(x) - half >= 0 && Number(x) + half <= 800}).toEqual({days, label, inside: true})
      }
    }
  })

  test('stacks at most one series per palette colour, the rest as other', () => {
    const svg = byName(renderCharts(makeSummary({projects: 40, days: 10}), {top: 20}), 'credits-by-day.svg')
    const fills = new Set(elements(svg, 'rect').filter((r) => r['@width'] !== '12').map((r) => r['@fill']))
    for (const fill of fills) expect([...PALETTE, OTHER_COLOUR, '#FFFFFF', '#F5F7FA']).toContain(fill)
  })
})

describe('credits-by-resource-class', () => {
  test('failed credits read as the Summary has them, refunds included: the subtitle is summary.failed, each label its class', () => {
    const summary = makeSummary({projects: 3})
    const classBucket = (key: string, credits: number, failedCredits: number) => ({...summary.breakdowns.resourceClass[0], key, dims: {resourceClass: key}, credits, share: credits / 2_400, failedCredits})
    // A refund: `large` nets negative with 500 credits of failed jobs; `small` has a failed job refunded (-40).
    summary.breakdowns.resourceClass = [classBucket('medium', 2_000, 300), classBucket('small', 700, -40), classBucket('large', -300, 500)]
    summary.failed.credits = 760
    const texts = textNodes(byName(renderCharts(summary), 'credits-by-resource-class.svg'))
    expect(texts.some((text) => text.endsWith('· 760 on failed jobs'))).toBe(true)
    expect(texts.some((text) => text.includes('Failed jobs used 760 credits.'))).toBe(true)
    expect(texts).toContain('-300 (-12.5%) · 500 failed')
    expect(texts).toContain('700 (29.2%) · -40 failed')
    expect(texts.some((text) => text.startsWith('large: -300 credits') && text.endsWith('500 of them on failed jobs'))).toBe(true)
  })
})

describe('credits-by-day with rows without a JOB_RUN_DATE', () => {
  test('says the credits it cannot draw, so its bars add up to the total it states', () => {
    const summary = makeSummary({projects: 3})
    const dated = summary.totals.credits.total
    // 7.5 credits of rows without a JOB_RUN_DATE: in the total, in no day (README, "How the numbers stay exact").
    summary.totals.credits.total = dated + 7.5
    const texts = textNodes(byName(renderCharts(summary), 'credits-by-day.svg'))
    const subtitle = texts.find((text) => text.startsWith(`${summary.window.start.slice(0, 10)} – `))
    expect(subtitle).toContain(`${formatCredits(dated + 7.5)} credits (7.5 without a JOB_RUN_DATE, in no day)`)
    expect(texts.some((text) => text.includes('7.5 credits of rows without a JOB_RUN_DATE belong to no day and are not drawn.'))).toBe(true)
    const plain = textNodes(byName(renderCharts(makeSummary({projects: 3})), 'credits-by-day.svg'))
    expect(plain.some((text) => text.includes('JOB_RUN_DATE'))).toBe(false)
  })
})
