/**
 * A hostile job, workflow, project or test name in every medium the health section reaches: report.html (no SVG
 * carries health names), Markdown, the terminal, by-job.csv and Slack (test/slack/payload.test.ts).
 */
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, test} from '@jest/globals'
import {parseString} from 'fast-csv'
import {XMLParser, XMLValidator} from 'fast-xml-parser'

import type {BreakdownRow} from '../../src/analysis/build.js'
import type {Summary} from '../../src/analysis/summary.js'
import {renderCharts} from '../../src/charts/index.js'
import {renderReportHtml} from '../../src/html/report.js'
import {writeJobHealthCsv} from '../../src/report/job-health-csv.js'
import {renderMarkdown, renderTable} from '../../src/report/render.js'
import {makeSummary} from '../charts/fixtures.js'
import {makeHealth} from './fixtures.js'

const HOSTILE = {
  project: '<script>alert(1)</script>',
  workflow: 'wf | *bold* `code`',
  job: "=cmd|' /C calc'!A0",
  testName: ']]></td><img src=x onerror=alert(2)> [link](http://x) _it_\nsecond line \u001b[31mred',
}

function hostileSummary(flakyCredits: number): Summary {
  return {...makeSummary({projects: 3, savings: true}), ...makeHealth(HOSTILE, {flakyCredits})}
}

function texts(html: string): string[] {
  const found: string[] = []
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === '#text') found.push(String(value))
        else if (key !== ':@') walk(value)
      }
    }
  }
  walk(new XMLParser({preserveOrder: true, trimValues: false, htmlEntities: true, processEntities: true}).parse(html))
  return found
}

describe('hostile names in the health section', () => {
  test('report.html: well-formed, no markup from the data, the names read as they are', () => {
    const summary = hostileSummary(99_000)
    const html = renderReportHtml(summary, renderCharts(summary))
    expect(XMLValidator.validate(html)).toBe(true)
    expect(html).toContain('<section id="health"')
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img')
    expect(html.match(/<script\b/g)).toHaveLength(1)
    const seen = texts(html)
    for (const name of Object.values(HOSTILE)) expect(seen).toContain(name.replace('\u001b', '\uFFFD'))
  })

  test('Markdown: no emphasis, link, table break or HTML from the data; the terminal: no escape sequences', () => {
    const summary = hostileSummary(99_000)
    const markdown = renderMarkdown(summary)
    const line = markdown.split('\n').find((text) => text.startsWith('- Costliest health problem'))
    expect(line).toBeDefined()
    expect(line).toContain('\\]\\]\\>\\</td\\>\\<img src=x onerror=alert\\(2\\)\\> \\[link\\]\\(http://x\\) \\_it\\_?second line ?\\[31mred')
    expect(line).toContain('project \\<script\\>alert\\(1\\)\\</script\\>')
    const table = renderTable(summary)
    expect(table).not.toContain('\u001b')
    expect(table).toContain('Costliest health problem: flakiest test ]]></td><img src=x onerror=alert(2)> [link](http://x) _it_?second line ?[31mred')
  })

  test('by-job.csv: formula starters neutralised, line breaks quoted, health figures beside the breakdown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cci-usage-health-csv-'))
    try {
      const {health} = makeHealth(HOSTILE)
      const job = health.jobs[0]
      const row: BreakdownRow = {
        key: `${job.project} / ${job.workflow} / ${job.job}`, dims: {org: 'acme', project: job.project, workflow: job.workflow, job: job.job},
        credits: job.credits, share: 1, jobs: 50, rows: 51, computeMinutes: 10, failedCredits: job.failedCredits, failedJobs: 8, dollars: null, avgJobMinutes: 0.2,
      }
      const noJob: BreakdownRow = {...row, key: 'x', dims: {...row.dims, job: null}}
      await writeJobHealthCsv(join(dir, 'by-job.csv'), [row, noJob], health.jobs, false)
      const text = await readFile(join(dir, 'by-job.csv'), 'utf8')
      const records = await new Promise<Record<string, string>[]>((resolve, reject) => {
        const found: Record<string, string>[] = []
        parseString(text, {headers: true}).on('data', (record) => found.push(record)).on('error', reject).on('end', () => resolve(found))
      })
      expect(records[0]).toMatchObject({project: HOSTILE.project, workflow: HOSTILE.workflow, job: `'${HOSTILE.job}`, credits: '42000', runs: '50', success_rate: String(40 / 48), ram_median_pct: ''})
      // The job-less row has the breakdown's figures and no health figures.
      expect(records[1]).toMatchObject({job: '', credits: '42000', runs: '', duration_p95_s: ''})
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('an unpriced flaky test in report.html', () => {
  test('is not said to have its job outside the window: the job may be there in two workflows Insights did not name', () => {
    const {health, waste} = makeHealth({project: 'api', workflow: 'ci', job: 'unit', testName: 'retries'})
    const [test] = health.flakyTests?.tests ?? []
    const unpriced = {...test, workflowName: null, creditsPerRun: null, pricedFrom: null, credits: null}
    const summary: Summary = {...makeSummary({projects: 3}), health: {...health, flakyTests: health.flakyTests && {...health.flakyTests, tests: [unpriced]}}, waste}
    const html = renderReportHtml(summary, renderCharts(summary))
    expect(html).toContain('not priced (no single job of that name with runs in this window)')
    expect(html).not.toContain('job not in this window')
  })
})

describe('a project whose flaky-test list is partial in report.html', () => {
  test('is listed with what its list left out, beside the projects that gave none', () => {
    const {health, waste} = makeHealth({project: 'api', workflow: 'ci', job: 'unit', testName: 'retries'})
    const flakyTests = health.flakyTests!
    const partial = 'only 1 of the 7 flaky tests Insights counts for project api (gh/acme/api) can be shown and priced; the others are left out.'
    const projects = flakyTests.projects.map((project) => (project.project === 'api' ? {...project, totalFlakyTests: 7, message: partial} : project))
    const summary: Summary = {...makeSummary({projects: 3}), health: {...health, flakyTests: {...flakyTests, projects}}, waste}
    const html = renderReportHtml(summary, renderCharts(summary))
    expect(html).toContain(partial)
    expect(html).toContain('Insights has no such project (HTTP 404)')
  })

  test('sends the terminal reader to the warnings even when every project asked answered', () => {
    const {health, waste} = makeHealth({project: 'api', workflow: 'ci', job: 'unit', testName: 'retries'})
    const flakyTests = health.flakyTests!
    const answered = flakyTests.projects.filter((project) => project.status === 'ok')
    const withSummary = (projects: typeof answered) => renderTable({...makeSummary({projects: 3}), health: {...health, flakyTests: {...flakyTests, projects}}, waste})
    const line = (text: string) => text.split('\n').find((entry) => entry.startsWith('Flaky tests'))
    expect(line(withSummary(answered))).toBe('Flaky tests (CircleCI Insights): 1 in 1 of 1 projects asked')
    expect(line(withSummary(answered.map((project) => ({...project, message: 'only 1 of the 7 ...'}))))).toBe('Flaky tests (CircleCI Insights): 1 in 1 of 1 projects asked (see the warnings)')
  })
})
