import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {XMLParser, XMLValidator} from 'fast-xml-parser'

import {formatCredits} from '../../src/charts/format.js'
import {renderCharts} from '../../src/charts/index.js'
import {renderReportHtml, TABLE_ROW_LIMIT} from '../../src/html/report.js'
import {writeVisualArtifacts} from '../../src/html/write.js'
import {HOSTILE_NAMES, makeSummary} from '../charts/fixtures.js'
import {readPngSize} from '../charts/png-reader.js'

/**
 * The page is written as well-formed XHTML-style markup, so fast-xml-parser's XMLValidator checks it: every
 * element closed, attributes quoted, no stray `<` or `&` from data, the script inside CDATA.
 */
const render = (options: Parameters<typeof makeSummary>[0]): string => {
  const summary = makeSummary(options)
  return renderReportHtml(summary, renderCharts(summary))
}

const parser = new XMLParser({ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, trimValues: false, htmlEntities: false})

function collect(html: string): {texts: string[]; tags: Map<string, number>; ids: string[]} {
  const texts: string[] = []
  const tags = new Map<string, number>()
  const ids: string[] = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === '#text') texts.push(String(value))
        else if (key === ':@') {
          const id = (value as Record<string, string>)['@id']
          if (id !== undefined) ids.push(id)
        } else {
          tags.set(key, (tags.get(key) ?? 0) + 1)
          walk(value)
        }
      }
    }
  }
  walk(parser.parse(html))
  return {texts, tags, ids}
}

describe('renderReportHtml', () => {
  const full = render({projects: 12, comparison: true, teams: true, savings: true, creditPrice: 0.0006})

  test('is well-formed, with unique ids and the three charts inline', () => {
    expect(XMLValidator.validate(full)).toBe(true)
    const {tags, ids} = collect(full)
    expect(tags.get('svg')).toBe(3)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ['overview', 'change', 'charts', 'savings', 'projects', 'workflows', 'jobs', 'failed', 'teams', 'more']) expect(ids).toContain(id)
  })

  test('lists each chart\'s figures as text under it, outside the SVG (WCAG 1.1.1, 1.4.1: a stacked column tells projects apart by colour alone)', () => {
    const summary = makeSummary({projects: 12, comparison: true, creditPrice: 0.0006})
    const html = renderReportHtml(summary, renderCharts(summary))
    const lists = [...html.matchAll(/<\/figure>\n<details class="chart-figures">\n<summary>([^<]*)<\/summary>\n<ul>\n([\s\S]*?)\n<\/ul>\n<\/details>/g)]
    expect(lists.map(([, heading]) => heading)).toEqual(['Credits by project: the figures as text', 'Credits by day: the figures as text', 'Credits by resource class: the figures as text'])
    const days = collect(`<ul>${lists[1][2]}</ul>`).texts.filter((text) => text.trim() !== '')
    expect(days).toHaveLength(summary.breakdowns.day.length)
    for (const bucket of summary.breakdowns.day) {
      const line = days.find((text) => text.startsWith(`${bucket.day}: `))
      expect(line).toContain(`${bucket.day}: ${formatCredits(bucket.credits)} credits (`)
      // Each project's part of the day, by name: what the colours of the stacked column say.
      for (const point of summary.dayByProject.filter((p) => p.day === bucket.day).slice(0, 3)) expect(line).toContain(`${point.project} ${formatCredits(point.credits)}`)
    }
  })

  test('a chart that scrolls sideways on a phone is a named tab stop, so the keyboard can scroll it (WCAG 2.1.1)', () => {
    const boxes = [...full.matchAll(/<div class="chart-scroll"([^>]*)>/g)].map(([, attributes]) => attributes)
    expect(boxes).toHaveLength(3)
    const {ids} = collect(full)
    for (const attributes of boxes) {
      expect(attributes).toMatch(/ tabindex="0"/)
      expect(attributes).toMatch(/ role="group"/)
      const label = attributes.match(/ aria-labelledby="([^"]+)"/)
      expect(label && ids.includes(label[1])).toBe(true)
    }
  })

  test('names the comparison by its span: week over week for 7 days only', () => {
    expect(full).toContain('>Week over week<')
    const month = render({projects: 3, comparison: true, days: 30})
    expect(month).not.toContain('Week over week')
    expect(month).toContain('>Change vs the previous 30 days<')
  })

  test('is self-contained: no external script, stylesheet, font, image or link', () => {
    expect(full).not.toMatch(/<script[^>]+src=|<link\b|<img\b|@import|url\(|@font-face/i)
    expect(full).not.toMatch(/(src|href)="(https?:)?\/\//i)
    for (const [, href] of full.matchAll(/href="([^"]*)"/g)) expect(href.startsWith('#')).toBe(true)
  })

  test('states the window, totals, change and dollars with thousands separators', () => {
    const summary = makeSummary({projects: 12, comparison: true, creditPrice: 0.0006})
    const html = renderReportHtml(summary, renderCharts(summary))
    const {texts} = collect(html)
    const total = summary.totals.credits.total
    expect(total).toBeGreaterThan(1000)
    expect(texts).toContain(total.toLocaleString('en-US'))
    expect(texts).toContain(`$${(total * 0.0006).toFixed(2)}`)
    const comparison = summary.comparison!
    expect(texts).toContain(`+${comparison.change.credits.toLocaleString('en-US')} (+${comparison.change.pct!.toFixed(1)}%)`)
    expect(texts).toContain('2024-11-10 – 2024-11-16 (7 days, UTC)')
  })

  test('savings: top opportunities with evidence and change, rightsizing and failing jobs tables', () => {
    const summary = makeSummary({projects: 5, savings: true})
    const {texts} = collect(renderReportHtml(summary, renderCharts(summary)))
    const savings = summary.savings!
    for (const item of savings.top) {
      expect(texts).toContain(item.title)
      expect(texts).toContain(item.evidence)
      expect(texts).toContain(item.change)
    }
    expect(texts).toContain(savings.rightsizing[0].change)
    expect(texts).toContain('Jobs that could run on a smaller resource class')
    expect(texts).toContain('Jobs that fail often, by credits spent on failed runs')
    expect(texts).toContain('25.0%')
    expect(collect(render({projects: 5, savings: false})).ids).not.toContain('savings')
  })

  test('teams table only when teams are configured', () => {
    expect(collect(full).texts).toContain('platform')
    expect(collect(render({projects: 5})).ids).not.toContain('teams')
  })

  test('escapes hostile names in tables and charts; parsed text equals the originals', () => {
    const html = render({projects: 8, names: HOSTILE_NAMES, comparison: true, savings: true})
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img')
    expect(html.match(/<script\b/g)).toHaveLength(1)
    const {texts, tags} = collect(html)
    expect(tags.get('img')).toBeUndefined()
    for (const name of HOSTILE_NAMES) expect(texts).toContain(name)
  })

  test('bidirectional controls in names cannot reorder the page: they become U+FFFD in tables and charts', () => {
    const names = ['api\u202egnp.exe', 'iso\u2067late\u2069d', 'emb\u202aed\u202c']
    const summary = makeSummary({projects: 3, names, comparison: true, savings: true})
    const charts = renderCharts(summary)
    const html = renderReportHtml(summary, charts)
    expect(XMLValidator.validate(html)).toBe(true)
    for (const text of [html, ...charts.map((chart) => chart.svg)]) expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/)
    const {texts} = collect(html)
    for (const name of names) expect(texts).toContain(name.replace(/[\u202a-\u202e\u2066-\u2069]/g, '\ufffd'))
  })

  test('a right-to-left name inside a line of text ends its run: the figures and names after it keep their places', () => {
    // Without the left-to-right mark the page shows "9,570 · فريق-الدفع credits" and lists the names after a
    // Hebrew one in reverse order. Table cells are isolated by the browser and need nothing.
    const LRM = '\u200E'
    const summary = makeSummary({projects: 3, names: ['web', 'פרויקט-123', 'api'], comparison: true, teams: true})
    summary.comparison!.appeared = ['פרויקט-123', '12345', 'api']
    summary.teams = [{team: 'فريق-الدفع', slackChannel: null, credits: 9570, dollars: null, summary: 'teams/a.json', page: 'teams/a.html', chart: null}]
    const html = renderReportHtml(summary, renderCharts(summary))
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).toContain(`<span class="name">פרויקט-123${LRM}</span>, <span class="name">12345</span>, <span class="name">api</span>`)
    expect(html).toContain(`<a href="teams/a.html">فريق-الدفع${LRM}</a> · 9,570 credits`)
    const page = renderReportHtml(summary, [], {team: 'فريق-الدفع', parentHref: '../report.html'})
    expect(page).toMatch(new RegExp(`<title>CircleCI usage · team فريق-الدفع${LRM} 2024-11-10`))
    // Only right-to-left names get the mark.
    expect(html).not.toMatch(/(web|api|12345)\u200E/)
  })

  test('long breakdowns are cut to the largest rows with a note', () => {
    const html = render({projects: 80})
    const jobsSection = html.slice(html.indexOf('<section id="jobs"'), html.indexOf('</section>', html.indexOf('<section id="jobs"')))
    expect(jobsSection.match(/<tr>/g)).toHaveLength(TABLE_ROW_LIMIT + 1)
    expect(jobsSection).toContain(`Showing the ${TABLE_ROW_LIMIT} largest of 160 jobs`)
  })

  test('long failed-job tables say how many rows they leave out, like the other tables', () => {
    const summary = makeSummary({projects: 150})
    summary.failed.byJob = summary.breakdowns.project.map((bucket) => ({...bucket, key: `job-${bucket.key}`}))
    const html = renderReportHtml(summary, [])
    const failed = html.slice(html.indexOf('<section id="failed"'), html.indexOf('</section>', html.indexOf('<section id="failed"')))
    const byJob = failed.slice(failed.indexOf('<caption>Failed-job credits by job</caption>'))
    expect(byJob.slice(0, byJob.indexOf('</table>')).match(/<tr>/g)).toHaveLength(TABLE_ROW_LIMIT + 1)
    expect(byJob).toContain(`Showing the ${TABLE_ROW_LIMIT} largest of 150 jobs`)
  })

  test('zero usage renders a complete page without NaN', () => {
    for (const html of [render({projects: 0}), render({projects: 3, allZero: true, comparison: true, savings: true})]) {
      expect(XMLValidator.validate(html)).toBe(true)
      expect(html).not.toMatch(/NaN|undefined|Infinity/)
      expect(html).toContain('No usage in this window')
    }
  })

  test('deterministic', () => {
    expect(render({projects: 12, comparison: true, savings: true})).toBe(render({projects: 12, comparison: true, savings: true}))
  })
})

describe('writeVisualArtifacts', () => {
  test('writes the three SVGs, the project PNG and report.html, and returns their names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cci-usage-visuals-'))
    try {
      const summary = makeSummary({projects: 6, comparison: true, savings: true})
      const names = await writeVisualArtifacts(dir, summary, {top: 4})
      expect(names).toEqual(['credits-by-project.svg', 'credits-by-day.svg', 'credits-by-resource-class.svg', 'credits-by-project.png', 'report.html'])
      expect((await readdir(dir)).sort()).toEqual([...names].sort())
      const charts = renderCharts(summary, {top: 4})
      for (const chart of charts) expect(await readFile(join(dir, chart.name), 'utf8')).toBe(chart.svg)
      expect(await readFile(join(dir, 'report.html'), 'utf8')).toBe(renderReportHtml(summary, charts))
      expect(readPngSize(await readFile(join(dir, 'credits-by-project.png'))).width).toBe(1600)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
