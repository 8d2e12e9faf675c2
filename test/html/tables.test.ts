/** report.html tables: rightsizing with the money first (saving, or extra cost for upsizes), job statuses with rows. */
import type {Summary} from '../../src/analysis/summary.js'
import {renderReportHtml} from '../../src/html/report.js'
import {renderSummary} from '../../src/report/render.js'
import {buildSlackMessage} from '../../src/slack/payload.js'
import {makeSummary} from '../charts/fixtures.js'
import {makeHealth} from '../health/fixtures.js'

const decode = (html: string) => html.replace(/<[^>]+>/g, '').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&')

/** Header and body cells (as text) of the table with this caption. */
function table(html: string, caption: string): {headings: string[]; rows: string[][]} {
  const start = html.indexOf(`<caption>${caption}</caption>`)
  if (start === -1) throw new Error(`no table captioned ${caption}`)
  const markup = html.slice(start, html.indexOf('</table>', start))
  const cells = (row: string) => [...row.matchAll(/<(t[hd])\b[^>]*>([\s\S]*?)<\/\1>/g)].map((match) => decode(match[2]))
  const [head, body] = markup.split('</thead>')
  return {headings: cells(head), rows: [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((match) => cells(match[1]))}
}

describe('report.html rightsizing tables', () => {
  const summary = makeSummary({savings: true, creditPrice: 0.5})
  const html = renderReportHtml(summary, [])
  const savings = summary.savings!

  it('put the weekly saving (credits, then dollars) first for downsizes', () => {
    const {headings, rows} = table(html, 'Jobs that could run on a smaller resource class')
    expect(headings.slice(0, 3)).toEqual(['Saved/week', 'Saved $/week', 'Project'])
    const candidate = savings.rightsizing[0]
    expect(rows[0].slice(0, 3)).toEqual(['4,800 credits', '$2,400.00', candidate.project])
  })

  it('show an upsize as a positive extra cost, not a negative saving', () => {
    const {headings, rows} = table(html, 'Jobs that hit their resource limits, with the extra cost of a larger class')
    expect(headings.slice(0, 3)).toEqual(['Extra cost/week', 'Extra cost $/week', 'Project'])
    expect(savings.underProvisioned[0].estimatedSavingsPerWeek).toBe(-200)
    expect(rows[0].slice(0, 2)).toEqual(['200 credits', '$100.00'])
    expect(rows.flat().join(' ')).not.toMatch(/[-−]\s?200|[-−]\$/)
    expect(html).toMatch(/<td class="num" data-sort="200">200 credits<\/td>|<th scope="row" class="num name" data-sort="200">200 credits<\/th>/)
  })

  it('say "unknown rate" when a class has no known rate', () => {
    const unknown: Summary = {...summary, savings: {...savings, rightsizing: [{...savings.rightsizing[0], estimatedSavingsPerWeek: null}]}}
    const {rows} = table(renderReportHtml(unknown, []), 'Jobs that could run on a smaller resource class')
    expect(rows[0].slice(0, 2)).toEqual(['unknown rate', '–'])
  })
})

describe('report.html job statuses', () => {
  it('show rows beside jobs, so job-less rows reconcile with the export', () => {
    const summary: Summary = {
      ...makeSummary({}),
      jobStatuses: [
        {status: 'success', jobs: 946, credits: 404_756, rows: 947},
        {status: 'canceled', jobs: 17, credits: 4_768, rows: 179},
      ],
    }
    const {headings, rows} = table(renderReportHtml(summary, []), 'Jobs and credits by job status')
    expect(headings.slice(0, 4)).toEqual(['Status', 'Jobs', 'Rows', 'Credits'])
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ['success', '946', '947', '404,756'],
      ['canceled', '17', '179', '4,768'],
    ])
  })
})

describe('report.html changes by project', () => {
  it('read the change in credits as the terminal reads it: the same rounding, ±0 for what rounds to nothing', async () => {
    const base = makeSummary({comparison: true})
    const movers = [
      {project: 'grew', current: 12.34, previous: 0.5, change: 11.84, pct: 2268},
      {project: 'shrank', current: 0, previous: 45.5, change: -45.5, pct: -100},
      {project: 'steady', current: 10.004, previous: 10, change: 0.004, pct: 0.04},
    ]
    const summary: Summary = {...base, comparison: {...base.comparison!, movers}}
    const {rows} = table(renderReportHtml(summary, []), 'Largest changes by project')
    expect(rows.map((row) => row[3])).toEqual(['+11.84', '\u221245.5', '\u00b10'])
    const terminal = await renderSummary(summary, 'table')
    expect(terminal).toContain('top movers: grew +11.84, shrank -45.5, steady ±0')
  })
})

describe('shares across media', () => {
  it('read the same on the page, in the terminal and in Slack: one decimal, a tiny share "<0.1%", not 0', async () => {
    const base = makeSummary({projects: 3})
    const total = 1_000_000
    const project = (key: string, credits: number) => ({...base.breakdowns.project[0], key, dims: {org: 'acme', project: key}, credits, share: credits / total})
    const summary: Summary = {
      ...base,
      totals: {...base.totals, credits: {...base.totals.credits, total}},
      breakdowns: {...base.breakdowns, project: [project('big', 700_000), project('mid', 299_863), project('tiny', 137)]},
    }
    const {rows} = table(renderReportHtml(summary, []), 'Credits by project')
    expect(rows.map((row) => row[2])).toEqual(['70.0%', '30.0%', '<0.1%'])
    const terminal = await renderSummary(summary, 'table')
    expect(terminal).toMatch(/^big .* 70\.0% /m)
    expect(terminal).toMatch(/^tiny .* <0\.1% /m)
    const slack = JSON.stringify(buildSlackMessage(summary, {}))
    expect(slack).toContain('1. big: 700,000 credits (70.0%)')
    expect(slack).toContain('3. tiny: 137 credits (<0.1%)')
  })
})

describe('savings dollars across media', () => {
  it('price a saving per week exactly on the page and in Slack: 80,625 credits/week at $0.0006 are $48.38', () => {
    const base = makeSummary({projects: 2, savings: true, creditPrice: 0.0006})
    const savings = base.savings!
    const top = [{...savings.top[0], creditsPerWeek: 80_625}]
    const summary: Summary = {...base, savings: {...savings, top}}
    expect(JSON.stringify(buildSlackMessage(summary, {}))).toContain('80,625 credits/week*, $48.38/week')
    expect(decode(renderReportHtml(summary, []))).toContain('$48.38')
  })
})

describe('percent changes across media', () => {
  it('read the Summary\'s one figure the same way on the page, in the terminal and in Slack', async () => {
    // Slack used to recompute the change from float credits and print "+512%"/"+3,900%" where the terminal and
    // the page printed the Summary's "+512.0%"; 1,250 credits on 100 is 1,150 %, which d3 printed as "+1150.0%".
    const base = makeSummary({projects: 1, comparison: true})
    const credits = base.totals.credits.total
    const previous = credits / 12.5
    const comparison = {...base.comparison!, previous: {...base.comparison!.previous, credits: previous}, change: {...base.comparison!.change, credits: credits - previous, pct: 1150}}
    const summary: Summary = {...base, comparison}
    const html = decode(renderReportHtml(summary, []))
    expect(html).toContain('(+1,150.0%)')
    expect(await renderSummary(summary, 'table')).toMatch(/credits \(\+1,150\.0%\)/)
    expect(JSON.stringify(buildSlackMessage(summary, {}))).toContain('▲ +1,150.0% (')
    const down: Summary = {...summary, comparison: {...comparison, change: {...comparison.change, credits: -1, pct: -0.04}}}
    expect(decode(renderReportHtml(down, []))).toContain('(±0.0%)')
    expect(await renderSummary(down, 'table')).toContain('(±0.0%)')
    expect(JSON.stringify(buildSlackMessage(down, {}))).toContain('±0.0% (-1)')
  })
})

describe('report.html dollars the Summary holds no figure for', () => {
  it('are exact to the cent like the Summary\'s own: 80,625 failed credits at $0.0006 are $48.38, not $48.37', () => {
    // 80625 * 0.0006 is 48.37499999... as a double; the exact product is 48.375, rounded half away from zero.
    expect(80625 * 0.0006).toBeLessThan(48.375)
    const base = makeSummary({creditPrice: 0.0006})
    const summary: Summary = {...base, failed: {...base.failed, credits: 80_625}}
    const text = decode(renderReportHtml(summary, []))
    expect(text).toMatch(/Failed jobs used 80,625 credits \(\$48\.38\)/)
  })
})

describe('report.html job tables of several organizations', () => {
  // A shared plan: two organizations each have a `test` job in a project of the same name. Without the
  // organization the two rows of every job table (and of the default branch per project) read the same.
  const base = makeSummary({savings: true})
  const twin = <T extends {org?: string | null}>(row: T): T[] => [row, {...row, org: 'globex'}]
  const savings = base.savings!
  const {health, waste} = makeHealth({project: 'api', workflow: 'build', job: 'test', testName: 'spec'})
  const captions = [
    'Jobs that could run on a smaller resource class',
    'Jobs that hit their resource limits, with the extra cost of a larger class',
    'Jobs that fail often, by credits spent on failed runs',
    'Jobs by credits: runs, success, durations and queue times',
    'Workflows by credits: duration from the first job queued to the stop',
    'The jobs that cost most in each kind of waste',
    'Default branch per project',
  ]
  const several: Summary = {
    ...base,
    totals: {...base.totals, orgs: 2},
    savings: {
      ...savings,
      rightsizing: twin(savings.rightsizing[0]),
      underProvisioned: twin(savings.underProvisioned[0]),
      failingJobs: twin({...savings.failingJobs[0], org: 'acme'}),
    },
    health: {...health, jobs: twin(health.jobs[0]), workflows: twin(health.workflows[0]), branches: {...health.branches, projects: twin(health.branches.projects[0])}},
    waste: {...waste, failed: {...waste.failed, topJobs: twin(waste.failed.topJobs[0])}},
  }

  it.each(captions)('name the organization of each row: %s', (caption) => {
    const {headings, rows} = table(renderReportHtml(several, []), caption)
    const column = headings.indexOf('Organization')
    expect(column).toBeGreaterThanOrEqual(0)
    expect(rows.map((row) => row[column])).toEqual(expect.arrayContaining(['acme', 'globex']))
  })

  it.each(captions)('leave it out for one organization: %s', (caption) => {
    const one: Summary = {...several, totals: {...several.totals, orgs: 1}}
    expect(table(renderReportHtml(one, []), caption).headings).not.toContain('Organization')
  })
})

describe('report.html Health of a window without usage (a team page with no projects)', () => {
  it('says there is nothing instead of a header row over no rows, as the other tables do', () => {
    const base = makeSummary({})
    const {health, waste} = makeHealth({project: 'api', workflow: 'build', job: 'test', testName: 'spec'})
    const empty: Summary = {...base, health: {...health, jobs: [], workflows: [], triggerSources: [], branches: {...health.branches, projects: []}}, waste}
    const html = renderReportHtml(empty, [])
    for (const caption of ['Credits by pipeline trigger source', 'Default branch per project']) expect(html).not.toContain(`<caption>${caption}`)
    expect(html).toContain('<p class="empty">No pipeline in this window.</p>')
    expect(html).toContain('<p class="empty">No project in this window.</p>')
    // The tables still come back with their rows.
    const full = renderReportHtml({...base, health, waste}, [])
    expect(table(full, 'Credits by pipeline trigger source').rows).toHaveLength(health.triggerSources.length)
    expect(table(full, 'Default branch per project').rows).toHaveLength(health.branches.projects.length)
  })
})
