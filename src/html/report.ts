import type {Bucket, FailingJob, ProjectChange, RightsizingCandidate, Summary} from '../analysis/summary.js'
import {escapeXml} from '../charts/escape.js'
import {
  formatCredits,
  formatDollars,
  formatPercentChange,
  formatShare,
  formatSignedCredits,
  formatWindow,
} from '../charts/format.js'
import type {ChartFile} from '../charts/index.js'
import {CONTENT_SECURITY_POLICY, REPORT_CSS, REPORT_SCRIPT} from './assets.js'
import {type Column, dataTable} from './table.js'

/** Long breakdowns (workflows, jobs, branches) are capped; a footer row sums what is not listed. */
const TABLE_LIMIT = 50

const esc = escapeXml

function count(value: number): string {
  return formatCredits(Math.round(value))
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`
}

function money(summary: Summary, credits: number): string | null {
  return summary.creditPrice === null ? null : formatDollars(credits * summary.creditPrice)
}

function pct(value: number): string {
  return `${Math.round(value)}%`
}

function sum<T>(rows: T[], value: (row: T) => number): number {
  return rows.reduce((total, row) => total + (Number.isFinite(value(row)) ? value(row) : 0), 0)
}

/** Credits go up = red, down = green; the sign and arrow carry the meaning without colour too. */
function changeSpan(change: number, pctChange: number | null): string {
  const direction = change > 0 ? 'up' : change < 0 ? 'down' : ''
  const arrow = change > 0 ? '\u25B2 ' : change < 0 ? '\u25BC ' : ''
  return `<span class="${direction}">${esc(`${arrow}${formatSignedCredits(change)} (${formatPercentChange(pctChange)})`)}</span>`
}

function card(label: string, valueHtml: string, detailHtml = ''): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value">${valueHtml}</div>${detailHtml ? `<div class="detail">${detailHtml}</div>` : ''}</div>`
}

function bucketColumns(summary: Summary, nameHeader: string, extra: Column<Bucket>[] = []): Column<Bucket>[] {
  const columns: Column<Bucket>[] = [
    {header: nameHeader, text: (b) => b.key, wrap: true},
    {header: 'Credits', numeric: true, text: (b) => formatCredits(b.credits), sortValue: (b) => b.credits},
    {header: 'Share', numeric: true, text: (b) => formatShare(b.share), sortValue: (b) => b.share},
  ]
  if (summary.creditPrice !== null) {
    columns.push({header: 'Cost', numeric: true, text: (b) => formatDollars(b.dollars ?? b.credits * (summary.creditPrice as number)), sortValue: (b) => b.credits})
  }
  columns.push(
    {header: 'Jobs', numeric: true, text: (b) => count(b.jobs), sortValue: (b) => b.jobs},
    {header: 'Failed credits', numeric: true, text: (b) => formatCredits(b.failedCredits), sortValue: (b) => b.failedCredits},
    {header: 'Failed jobs', numeric: true, text: (b) => count(b.failedJobs), sortValue: (b) => b.failedJobs},
    {header: 'Compute min', numeric: true, text: (b) => count(b.computeMinutes), sortValue: (b) => b.computeMinutes},
    ...extra,
  )
  return columns
}

/** Footer cells summing buckets (the capped rest, or all of them), aligned with bucketColumns. */
function bucketFooter(summary: Summary, label: string, rows: Bucket[], extraCells: number): string[] {
  const credits = sum(rows, (b) => b.credits)
  const cells = [label, formatCredits(credits), formatShare(sum(rows, (b) => b.share))]
  if (summary.creditPrice !== null) cells.push(formatDollars(credits * summary.creditPrice))
  cells.push(
    count(sum(rows, (b) => b.jobs)),
    formatCredits(sum(rows, (b) => b.failedCredits)),
    count(sum(rows, (b) => b.failedJobs)),
    count(sum(rows, (b) => b.computeMinutes)),
  )
  for (let i = 0; i < extraCells; i++) cells.push('')
  return cells
}

function bucketTable(summary: Summary, caption: string, nameHeader: string, buckets: Bucket[], extra: Column<Bucket>[] = []): string {
  return dataTable({
    caption,
    columns: bucketColumns(summary, nameHeader, extra),
    rows: buckets,
    limit: TABLE_LIMIT,
    remainder: (rest) => bucketFooter(summary, `${plural(rest.length, 'more row')} not listed`, rest, extra.length),
    totals: bucketFooter(summary, 'Total', buckets, extra.length),
    empty: 'No usage in this window.',
  })
}

function header(summary: Summary): string {
  const filters = Object.entries(summary.filters)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `${name}=${value}`)
  const files = summary.input.files.length > 0 ? summary.input.files.join(', ') : 'none'
  return [
    '<header>',
    '<h1>CircleCI usage report</h1>',
    `<p><strong>${esc(formatWindow(summary.window))}</strong></p>`,
    `<p class="meta">Generated ${esc(summary.generatedAt)} by ${esc(summary.tool.name)} ${esc(summary.tool.version)} from ${esc(plural(summary.input.rows, 'row'))} (${esc(files)})${filters.length > 0 ? ` · filters: ${esc(filters.join(', '))}` : ''}${summary.creditPrice !== null ? ` · ${esc(formatDollars(summary.creditPrice).replace(/\.?0+$/, ''))} per credit` : ''}</p>`,
    '</header>',
  ].join('\n')
}

function navigation(summary: Summary, charts: ChartFile[]): string {
  const links: [string, string][] = [['overview', 'Overview']]
  if (summary.savings) links.push(['savings', 'Savings'])
  if (charts.length > 0) links.push(['charts', 'Charts'])
  links.push(['projects', 'Projects'])
  if (summary.breakdowns.team) links.push(['teams', 'Teams'])
  links.push(['workflows', 'Workflows'], ['jobs', 'Jobs'], ['failed', 'Failed jobs'], ['statuses', 'Job statuses'], ['resources', 'Resources'])
  return `<nav aria-label="Sections"><ul>${links.map(([id, label]) => `<li><a href="#${id}">${esc(label)}</a></li>`).join('')}</ul></nav>`
}

function overview(summary: Summary): string {
  const {totals, comparison} = summary
  const total = totals.credits.total
  const dollars = money(summary, total)
  const cards = [card('Total credits', esc(formatCredits(total)), dollars ? esc(dollars) : '')]
  if (comparison) {
    cards.push(
      card(
        'Change since previous window',
        changeSpan(comparison.change.credits, comparison.change.pct),
        esc(comparison.previousEmpty ? 'no usage in the previous window' : `previous: ${formatCredits(comparison.previous.credits)} credits`),
      ),
    )
  }
  const failedShare = total > 0 ? summary.failed.credits / total : 0
  cards.push(
    card('Failed-job cost', esc(formatCredits(summary.failed.credits)), esc(`${formatShare(failedShare)} of credits · ${plural(summary.failed.jobs, 'failed job')}${money(summary, summary.failed.credits) ? ` · ${money(summary, summary.failed.credits)}` : ''}`)),
    card('Jobs', esc(count(totals.jobs)), esc(`${count(summary.canceled.jobs)} canceled (${formatCredits(summary.canceled.credits)} credits)`)),
    card('Compute minutes', esc(count(totals.computeMinutes))),
    card('Projects', esc(count(totals.projects)), esc(`${plural(totals.orgs, 'organization')} · ${formatCredits(totals.averagePerProject)} credits per project on average`)),
  )
  const parts = ['<section id="overview">', '<h2>Overview</h2>', `<div class="cards">${cards.join('\n')}</div>`]
  if (comparison) {
    parts.push('<h3>Biggest changes</h3>')
    parts.push(
      dataTable<ProjectChange>({
        caption: `Projects with the largest change against ${formatWindow(comparison.previousWindow)}`,
        columns: [
          {header: 'Project', text: (p) => p.project, wrap: true},
          {header: 'Previous', numeric: true, text: (p) => formatCredits(p.previous), sortValue: (p) => p.previous},
          {header: 'Current', numeric: true, text: (p) => formatCredits(p.current), sortValue: (p) => p.current},
          {header: 'Change', numeric: true, text: (p) => formatSignedCredits(p.change), sortValue: (p) => p.change},
          {header: 'Change %', numeric: true, text: (p) => formatPercentChange(p.pct), sortValue: (p) => p.pct},
        ],
        rows: comparison.movers,
        empty: 'No project changed.',
      }),
    )
    if (comparison.appeared.length > 0) parts.push(`<p><strong>New this window:</strong> ${esc(comparison.appeared.join(', '))}</p>`)
    if (comparison.vanished.length > 0) parts.push(`<p><strong>No usage this window (used before):</strong> ${esc(comparison.vanished.join(', '))}</p>`)
  }
  parts.push('</section>')
  return parts.join('\n')
}

function candidateColumns(summary: Summary, savingsHeader: string): Column<RightsizingCandidate>[] {
  return [
    {header: 'Project', text: (c) => c.project, wrap: true},
    {header: 'Workflow', text: (c) => c.workflow ?? '—', wrap: true},
    {header: 'Job', text: (c) => c.job, wrap: true},
    {header: 'Class', text: (c) => `${c.resourceClass} → ${c.suggestedClass}`},
    {header: 'Runs', numeric: true, text: (c) => `${count(c.runs)} (${count(c.runsWithUtilisation)} measured)`, sortValue: (c) => c.runs},
    {header: 'Median CPU / RAM', numeric: true, text: (c) => `${pct(c.medianCpuPct)} / ${pct(c.medianRamPct)}`, sortValue: (c) => c.medianCpuPct},
    {header: 'p95 max CPU / RAM', numeric: true, text: (c) => `${pct(c.p95MaxCpuPct)} / ${pct(c.p95MaxRamPct)}`, sortValue: (c) => c.p95MaxCpuPct},
    {header: 'Credits / week', numeric: true, text: (c) => formatCredits(c.creditsPerWeek), sortValue: (c) => c.creditsPerWeek},
    {
      header: savingsHeader,
      numeric: true,
      text: (c) => {
        if (c.estimatedSavingsPerWeek === null) return 'unknown rate'
        const dollars = money(summary, Math.abs(c.estimatedSavingsPerWeek))
        return `${formatCredits(Math.abs(c.estimatedSavingsPerWeek))}${dollars ? ` (${dollars})` : ''}`
      },
      sortValue: (c) => (c.estimatedSavingsPerWeek === null ? null : Math.abs(c.estimatedSavingsPerWeek)),
    },
    {header: 'Change', text: (c) => c.change, code: true, wrap: true},
  ]
}

function savingsSection(summary: Summary): string {
  const savings = summary.savings
  if (!savings) return ''
  const parts = ['<section id="savings">', '<h2>Savings</h2>']
  if (savings.top.length > 0) {
    parts.push('<h3>Top opportunities</h3>', '<ol class="opportunities">')
    for (const opportunity of savings.top) {
      const dollars = money(summary, opportunity.creditsPerWeek)
      parts.push(
        `<li><div class="title">${esc(opportunity.title)}</div>` +
          `<div>about <strong>${esc(formatCredits(opportunity.creditsPerWeek))} credits per week</strong>${dollars ? ` (${esc(dollars)})` : ''}</div>` +
          `<div class="meta">Evidence: ${esc(opportunity.evidence)}</div>` +
          `<div>Change: <code>${esc(opportunity.change)}</code></div></li>`,
      )
    }
    parts.push('</ol>')
  } else {
    parts.push('<p class="empty">No savings opportunity passed the thresholds in this window.</p>')
  }
  parts.push('<h3>Rightsizing: over-provisioned jobs</h3>')
  parts.push(
    dataTable({
      caption: `Jobs whose median CPU and RAM stay under ${savings.thresholds.lowUtilisationPct}% over at least ${savings.thresholds.minRuns} runs, with spikes to ${savings.thresholds.spikePct}% in at most ${formatShare(savings.thresholds.maxSpikeShare)} of runs`,
      columns: candidateColumns(summary, 'Saved / week'),
      rows: savings.rightsizing,
      empty: 'No job qualifies for a smaller resource class.',
    }),
  )
  if (savings.underProvisioned.length > 0) {
    parts.push('<h3>Under-provisioned jobs</h3>')
    parts.push(
      dataTable({
        caption: `Jobs above ${savings.thresholds.highUtilisationPct}% utilisation: a larger class may finish faster and fail less`,
        columns: candidateColumns(summary, 'Extra / week'),
        rows: savings.underProvisioned,
      }),
    )
  }
  parts.push('<h3>Failing jobs</h3>')
  parts.push(
    dataTable<FailingJob>({
      caption: 'Jobs that fail most often, by credits spent on failed runs',
      columns: [
        {header: 'Project', text: (j) => j.project, wrap: true},
        {header: 'Workflow', text: (j) => j.workflow ?? '—', wrap: true},
        {header: 'Job', text: (j) => j.job, wrap: true},
        {header: 'Runs', numeric: true, text: (j) => count(j.runs), sortValue: (j) => j.runs},
        {header: 'Failures', numeric: true, text: (j) => count(j.failures), sortValue: (j) => j.failures},
        {header: 'Failure rate', numeric: true, text: (j) => formatShare(j.failureRate), sortValue: (j) => j.failureRate},
        {header: 'Failed credits', numeric: true, text: (j) => formatCredits(j.failedCredits), sortValue: (j) => j.failedCredits},
      ],
      rows: savings.failingJobs,
      limit: TABLE_LIMIT,
      empty: 'No failing jobs.',
    }),
  )
  parts.push(`<p class="meta">Credit rates from ${esc(savings.rateTable.source)} (${esc(savings.rateTable.date)}). Estimates assume the same number of runs next week.</p>`)
  parts.push('</section>')
  return parts.join('\n')
}

/** The chart SVGs inline (no <img>: the page must not fetch anything), each with a link to its file. */
function chartsSection(charts: ChartFile[]): string {
  if (charts.length === 0) return ''
  const figures = charts.map(
    (chart) =>
      `<figure>\n<div class="chart">\n${chart.svg.trim()}\n</div>\n<figcaption>${esc(chart.title)} · <a href="${esc(encodeURI(chart.name))}">${esc(chart.name)}</a></figcaption>\n</figure>`,
  )
  return ['<section id="charts">', '<h2>Charts</h2>', ...figures, '</section>'].join('\n')
}

function projectsSection(summary: Summary): string {
  const changes = new Map<string, ProjectChange>()
  for (const change of summary.comparison?.projects ?? []) changes.set(change.project, change)
  const changeOf = (b: Bucket): ProjectChange | undefined =>
    changes.get(b.key) ?? (typeof b.dims.project === 'string' ? changes.get(b.dims.project) : undefined)
  const extra: Column<Bucket>[] = summary.comparison
    ? [
        {
          header: 'vs previous',
          numeric: true,
          text: (b) => {
            const change = changeOf(b)
            return change ? `${formatSignedCredits(change.change)} (${formatPercentChange(change.pct)})` : '—'
          },
          sortValue: (b) => changeOf(b)?.change ?? null,
        },
      ]
    : []
  return ['<section id="projects">', '<h2>Projects</h2>', bucketTable(summary, 'Credits by project, largest first', 'Project', summary.breakdowns.project, extra), '</section>'].join('\n')
}

function teamsSection(summary: Summary): string {
  const teams = summary.breakdowns.team
  if (!teams) return ''
  return ['<section id="teams">', '<h2>Teams</h2>', bucketTable(summary, 'Credits by team (from the teams file)', 'Team', teams), '</section>'].join('\n')
}

function failedSection(summary: Summary): string {
  const total = summary.totals.credits.total
  const dollars = money(summary, summary.failed.credits)
  return [
    '<section id="failed">',
    '<h2>Failed-job cost</h2>',
    `<p>Failed jobs used <strong>${esc(formatCredits(summary.failed.credits))} credits</strong>${dollars ? ` (${esc(dollars)})` : ''}, ${esc(formatShare(total > 0 ? summary.failed.credits / total : 0))} of the total, in ${esc(plural(summary.failed.jobs, 'job'))}. Canceled jobs used ${esc(formatCredits(summary.canceled.credits))} credits in ${esc(plural(summary.canceled.jobs, 'job'))}.</p>`,
    bucketTable(summary, 'Credits of failed jobs by project', 'Project', summary.failed.byProject),
    bucketTable(summary, 'Credits of failed jobs by job', 'Job', summary.failed.byJob),
    '</section>',
  ].join('\n')
}

function statusesSection(summary: Summary): string {
  const total = summary.totals.credits.total
  type Status = Summary['jobStatuses'][number]
  const statuses = [...summary.jobStatuses].sort((a, b) => b.jobs - a.jobs || (a.status < b.status ? -1 : 1))
  return [
    '<section id="statuses">',
    '<h2>Job statuses</h2>',
    dataTable<Status>({
      caption: 'Jobs and credits by final status',
      columns: [
        {header: 'Status', text: (s) => s.status},
        {header: 'Jobs', numeric: true, text: (s) => count(s.jobs), sortValue: (s) => s.jobs},
        {header: 'Credits', numeric: true, text: (s) => formatCredits(s.credits), sortValue: (s) => s.credits},
        {header: 'Share of credits', numeric: true, text: (s) => formatShare(total > 0 ? s.credits / total : 0), sortValue: (s) => s.credits},
      ],
      rows: statuses,
      totals: ['Total', count(sum(statuses, (s) => s.jobs)), formatCredits(sum(statuses, (s) => s.credits)), ''],
      empty: 'No jobs in this window.',
    }),
    '</section>',
  ].join('\n')
}

function creditColumnsTable(summary: Summary): string {
  const c = summary.totals.credits
  const rows: [string, number][] = [
    ['Compute', c.compute],
    ['Docker layer caching', c.dlc],
    ['User seats', c.user],
    ['Storage', c.storage],
    ['Network', c.network],
    ['Lease', c.lease],
    ['Lease overage', c.leaseOverage],
    ['IP ranges', c.ipranges],
    ['Other credit columns', c.other],
  ]
  return dataTable<[string, number]>({
    caption: 'Credits by kind (export credit columns)',
    columns: [
      {header: 'Kind', text: (r) => r[0]},
      {header: 'Credits', numeric: true, text: (r) => formatCredits(r[1]), sortValue: (r) => r[1]},
      {header: 'Share', numeric: true, text: (r) => formatShare(c.total > 0 ? r[1] / c.total : 0), sortValue: (r) => r[1]},
    ],
    rows: rows.filter((r) => r[1] !== 0 || r[0] === 'Compute'),
    totals: ['Total (TOTAL_CREDITS)', formatCredits(c.total), ''],
  })
}

/**
 * The whole weekly story as one self-contained page: no external scripts, fonts, images or requests, and
 * fully readable without JavaScript. Well-formed XML (XHTML-style void tags) so it can be validated.
 */
export function renderReportHtml(summary: Summary, charts: ChartFile[]): string {
  const b = summary.breakdowns
  const body = [
    header(summary),
    navigation(summary, charts),
    overview(summary),
    savingsSection(summary),
    chartsSection(charts),
    projectsSection(summary),
    teamsSection(summary),
    ['<section id="workflows">', '<h2>Workflows</h2>', bucketTable(summary, 'Credits by workflow, largest first', 'Workflow', b.workflow), '</section>'].join('\n'),
    ['<section id="jobs">', '<h2>Jobs</h2>', bucketTable(summary, 'Credits by job, largest first', 'Job', b.job), '</section>'].join('\n'),
    failedSection(summary),
    statusesSection(summary),
    [
      '<section id="resources">',
      '<h2>Resources</h2>',
      bucketTable(summary, 'Credits by resource class', 'Resource class', b.resourceClass),
      bucketTable(summary, 'Credits by executor', 'Executor', b.executor),
      bucketTable(summary, 'Credits by branch', 'Branch', b.branch),
      b.org.length > 1 ? bucketTable(summary, 'Credits by organization', 'Organization', b.org) : '',
      creditColumnsTable(summary),
      '</section>',
    ].join('\n'),
    `<footer>Credits are summed exactly from the export and rounded only for display. Days are UTC.</footer>`,
  ].filter((part) => part !== '')

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CONTENT_SECURITY_POLICY)}"/>`,
    `<title>${esc(`CircleCI usage · ${formatWindow(summary.window)}`)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
