import type {Bucket, FailingJob, RightsizingCandidate, Summary} from '../analysis/summary.js'
import type {ChartFile} from '../charts/index.js'
import {escapeXml} from '../charts/escape.js'
import {
  formatCount,
  formatCredits,
  formatDollars,
  formatPercentChange,
  formatShare,
  formatSignedCredits,
  formatWindow,
} from '../charts/format.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {projectionWording} from '../core/projection.js'
import {CREDIT_LABELS, OTHER_CREDITS_LABEL} from '../core/usage-columns.js'
import {HISTORY_SECTION_ID, hasHistorySection, historySection, historySectionHeading} from './sections/history.js'
import {REPORT_CSS} from './style.js'
import {SORT_SCRIPT} from './sort-script.js'
import {dollarsOfCredits, kpi, limited, noneInWindow, section} from './layout.js'
import {healthSection} from './sections/health.js'
import {type Column, orgColumn, renderTable} from './table.js'
import {hasOrgsSection, ORGS_SECTION_ID, orgsSectionBody} from './sections/orgs.js'
import {teamPageLinks, teamPageNotice, type TeamPage} from './sections/teams.js'

export {TABLE_ROW_LIMIT} from './layout.js'

const esc = escapeXml

function dollarsText(summary: Summary, credits: number): string | null {
  return summary.creditPrice === null ? null : dollarsOfCredits(credits, summary.creditPrice)
}

/** Bucket columns shared by every breakdown table; dollars only when a credit price was given. */
function bucketColumns(summary: Summary, keyHeading: string, options: {failed?: boolean; minutes?: boolean} = {}): Column<Bucket>[] {
  const columns: Column<Bucket>[] = [
    {heading: keyHeading, text: (b) => b.key},
    {heading: 'Credits', numeric: true, text: (b) => formatCredits(b.credits), sort: (b) => b.credits},
    {heading: 'Share', numeric: true, text: (b) => formatShare(b.share), sort: (b) => b.share},
  ]
  if (summary.creditPrice !== null) {
    columns.push({heading: 'Cost', numeric: true, text: (b) => (b.dollars === null ? '–' : formatDollars(b.dollars)), sort: (b) => b.dollars ?? 0})
  }
  columns.push({heading: 'Jobs', numeric: true, text: (b) => formatCredits(b.jobs), sort: (b) => b.jobs})
  if (options.minutes !== false) {
    columns.push({heading: 'Compute min', numeric: true, text: (b) => formatCredits(b.computeMinutes), sort: (b) => b.computeMinutes})
  }
  if (options.failed !== false) {
    columns.push(
      {heading: 'Failed credits', numeric: true, text: (b) => formatCredits(b.failedCredits), sort: (b) => b.failedCredits},
      {heading: 'Failed jobs', numeric: true, text: (b) => formatCredits(b.failedJobs), sort: (b) => b.failedJobs},
    )
  }
  return columns
}

function breakdownTable(summary: Summary, buckets: Bucket[], keyHeading: string, what: string, csv?: string, caption?: string): string {
  if (buckets.length === 0) return noneInWindow(what)
  const {rows, note} = limited(buckets, what, csv)
  return renderTable(bucketColumns(summary, keyHeading), rows, caption ?? `Credits by ${keyHeading.toLowerCase()}`) + note
}

function headerBlock(summary: Summary, page?: TeamPage): string {
  const filters = Object.entries(summary.filters).filter(([, value]) => value !== undefined && value !== '')
  const filterText = filters.length > 0 ? filters.map(([name, value]) => `${name}=${value}`).join(', ') : 'none'
  const files = summary.input.files.length > 0 ? summary.input.files.join(', ') : 'none'
  return [
    '<header>',
    `<h1>CircleCI usage report${page ? ` · team ${esc(page.team)}` : ''}</h1>`,
    page ? teamPageNotice(page) : '',
    `<p class="window">${esc(formatWindow(summary.window))}</p>`,
    '<dl class="meta">',
    `<dt>Generated</dt><dd>${esc(summary.generatedAt)} by ${esc(summary.tool.name)} ${esc(summary.tool.version)}</dd>`,
    `<dt>Input</dt><dd>${esc(files)} (${esc(formatCredits(summary.input.rows))} rows)</dd>`,
    `<dt>Filters</dt><dd>${esc(filterText)}</dd>`,
    summary.creditPrice !== null ? `<dt>Credit price</dt><dd>$${esc(String(summary.creditPrice))} per credit</dd>` : '',
    '</dl>',
    inputWarnings(summary),
    '</header>',
  ].join('\n')
}

/** The caveats stderr and summary.json carry (undated rows, days the history lacks): the reader of the page needs them too. */
function inputWarnings(summary: Summary): string {
  const warnings = summary.input.warnings ?? []
  if (warnings.length === 0) return ''
  const items = warnings.map((warning) => `<li>${esc(endRightToLeftRun(warning))}</li>`).join('')
  return `<div class="warnings" role="note"><strong>${warnings.length === 1 ? 'Warning' : `${warnings.length} warnings`}</strong><ul>${items}</ul></div>`
}

function overview(summary: Summary): string {
  const {totals, comparison} = summary
  const total = totals.credits.total
  const dollars = totals.dollars !== null ? formatDollars(totals.dollars) : ''
  const cards: string[] = [kpi('Total credits', formatCredits(total), dollars)]
  if (comparison) {
    const previous = `previous window ${formatCredits(comparison.previous.credits)}${comparison.previousEmpty ? ' (no data for it in the input)' : ''}`
    cards.push(kpi('Change vs previous window', `${formatSignedCredits(comparison.change.credits)} (${formatPercentChange(comparison.change.pct)})`, previous))
  } else {
    cards.push(kpi('Change vs previous window', 'n/a', 'the input holds no previous window'))
  }
  const failedShare = total > 0 ? ` · ${formatShare(summary.failed.credits / total)} of credits` : ''
  cards.push(
    kpi('Spent on failed jobs', formatCredits(summary.failed.credits), `${formatCredits(summary.failed.jobs)} failed jobs${failedShare}`),
    kpi('Jobs', formatCredits(totals.jobs), `${formatCredits(totals.rows)} rows · ${formatCredits(totals.computeMinutes)} compute min`),
    kpi('Projects', formatCredits(totals.projects), `${formatCredits(totals.orgs)} org${totals.orgs === 1 ? '' : 's'} · ${formatCredits(totals.averagePerProject)} credits per project`),
  )
  if (summary.savings && summary.savings.top.length > 0) {
    const perWeek = summary.savings.top.reduce((sum, item) => sum + Math.max(0, item.creditsPerWeek), 0)
    const projected = summary.savings.projectedFrom ? `, ${projectionWording(summary.savings.projectedFrom)}` : ''
    cards.push(kpi('Savings found, credits/week', formatCredits(perWeek), `${summary.savings.top.length} rightsizing opportunit${summary.savings.top.length === 1 ? 'y' : 'ies'}${projected}, see Savings`))
  }
  return `<section id="overview" aria-label="Overview"><div class="kpis">\n${cards.join('\n')}\n</div></section>`
}

function creditTypes(summary: Summary): string {
  const c = summary.totals.credits
  const kinds: [string, number][] = [
    [CREDIT_LABELS.COMPUTE_CREDITS, c.compute],
    [CREDIT_LABELS.DLC_CREDITS, c.dlc],
    [CREDIT_LABELS.USER_CREDITS, c.user],
    [CREDIT_LABELS.STORAGE_CREDITS, c.storage],
    [CREDIT_LABELS.NETWORK_CREDITS, c.network],
    [CREDIT_LABELS.IPRANGES_CREDITS, c.ipranges],
    [CREDIT_LABELS.LEASE_CREDITS, c.lease],
    [CREDIT_LABELS.LEASE_OVERAGE_CREDITS, c.leaseOverage],
    [OTHER_CREDITS_LABEL, c.other],
  ]
  const rows = kinds.filter(([, value]) => value !== 0)
  const columns: Column<[string, number]>[] = [
    {heading: 'Credit type', text: ([name]) => name},
    {heading: 'Credits', numeric: true, text: ([, v]) => formatCredits(v), sort: ([, v]) => v},
    {heading: 'Share', numeric: true, text: ([, v]) => formatShare(c.total !== 0 ? v / c.total : 0), sort: ([, v]) => v},
  ]
  if (summary.creditPrice !== null) columns.push({heading: 'Cost', numeric: true, text: ([, v]) => dollarsText(summary, v) ?? '', sort: ([, v]) => v})
  if (rows.length === 0) return ''
  return renderTable(columns, rows, 'Credits by credit type (columns of the export)')
}

/** "Week over week" only when the windows are weeks: --days 30 or --month compare other spans. */
function changeHeading(previousDays: number): string {
  return previousDays === 7 ? 'Week over week' : `Change vs the previous ${previousDays} days`
}

function changeSection(summary: Summary): string {
  const comparison = summary.comparison
  if (!comparison) return ''
  const parts: string[] = [
    `<p>Previous window: ${esc(formatWindow(comparison.previousWindow))}, ${esc(formatCredits(comparison.previous.credits))} credits, ${esc(formatCredits(comparison.previous.jobs))} jobs, ${esc(formatCredits(comparison.previous.failedCredits))} failed-job credits.</p>`,
  ]
  if (comparison.previousEmpty) parts.push('<p class="note">The input held no rows for the previous window, so every change below reads as new.</p>')
  if (comparison.movers.length > 0) {
    parts.push(
      renderTable(
        [
          {heading: 'Project', text: (m) => m.project},
          {heading: 'This window', numeric: true, text: (m) => formatCredits(m.current), sort: (m) => m.current},
          {heading: 'Previous', numeric: true, text: (m) => formatCredits(m.previous), sort: (m) => m.previous},
          {heading: 'Change', numeric: true, text: (m) => formatSignedCredits(m.change), sort: (m) => m.change},
          {heading: 'Change %', numeric: true, text: (m) => formatPercentChange(m.pct), sort: (m) => m.pct ?? Number.MAX_SAFE_INTEGER},
        ],
        comparison.movers,
        'Largest changes by project',
      ),
    )
  }
  const list = (label: string, names: string[]): string =>
    names.length === 0 ? '' : `<p><strong>${esc(label)}</strong> (${formatCount(names.length)}): ${names.slice(0, 50).map((name) => `<span class="name">${esc(endRightToLeftRun(name))}</span>`).join(', ')}${names.length > 50 ? ', …' : ''}</p>`
  parts.push(list('New this window', comparison.appeared), list('Gone since the previous window', comparison.vanished))
  return section('change', changeHeading(comparison.previousWindow.days), parts.filter(Boolean).join('\n'))
}

/**
 * A chart's figures as text under it (WCAG 1.1.1 and 1.4.1): a stacked column tells its projects apart by colour
 * alone, and its tooltips need a mouse; folded, so the page reads as before.
 */
function chartFigures(chart: ChartFile): string {
  if (chart.figures.length === 0) return ''
  const items = chart.figures.map((figure) => `<li>${esc(figure)}</li>`).join('\n')
  return `\n<details class="chart-figures">\n<summary>${esc(chart.title)}: the figures as text</summary>\n<ul>\n${items}\n</ul>\n</details>`
}

/**
 * On a narrow screen a chart keeps 600 px and scrolls sideways in its box: the box is a tab stop, named by the
 * caption, so the keyboard can scroll it too (WCAG 2.1.1); a chart holds nothing else that takes focus.
 */
function chartsSection(charts: ChartFile[]): string {
  if (charts.length === 0) return ''
  const figures = charts.map((chart) => {
    const caption = `${chart.name.replace(/\.svg$/, '')}-caption`
    return `<figure class="chart">\n<div class="chart-scroll" tabindex="0" role="group" aria-labelledby="${esc(caption)}">\n${chart.svg.trim()}\n</div>\n<figcaption id="${esc(caption)}">${esc(chart.title)} (<code>${esc(chart.name)}</code>)</figcaption>\n</figure>${chartFigures(chart)}`
  })
  return section('charts', 'Charts', figures.join('\n'))
}

/**
 * Rightsizing rows, the money first (the tables are wide: a saving at the far right is off-screen at 1,400 px).
 * Downsizes show what they save; upsizes what they cost extra, as a positive number, never a negative saving.
 */
function rightsizingTable(summary: Summary, candidates: RightsizingCandidate[], caption: string, effect: 'saving' | 'extra cost'): string {
  // estimatedSavingsPerWeek is negative for an upsize: its extra cost is the same figure with the sign turned.
  const perWeek = (c: RightsizingCandidate) => (c.estimatedSavingsPerWeek === null ? null : effect === 'saving' ? c.estimatedSavingsPerWeek : -c.estimatedSavingsPerWeek)
  const label = effect === 'saving' ? 'Saved' : 'Extra cost'
  const columns: Column<RightsizingCandidate>[] = [
    {
      heading: `${label}/week`,
      numeric: true,
      text: (c) => {
        const value = perWeek(c)
        return value === null ? 'unknown rate' : `${formatCredits(value)} credits`
      },
      sort: (c) => perWeek(c) ?? 0,
    },
  ]
  if (summary.creditPrice !== null) {
    columns.push({
      heading: `${label} $/week`,
      numeric: true,
      text: (c) => {
        const value = perWeek(c)
        return value === null ? '–' : (dollarsText(summary, value) ?? '')
      },
      sort: (c) => perWeek(c) ?? 0,
    })
  }
  columns.push(
    ...orgColumn<RightsizingCandidate>(summary.totals.orgs),
    {heading: 'Project', text: (c) => c.project},
    {heading: 'Workflow', text: (c) => c.workflow ?? '–'},
    {heading: 'Job', text: (c) => c.job},
    {heading: 'Class now', text: (c) => c.resourceClass},
    {heading: 'Suggested', text: (c) => c.suggestedClass},
    {heading: 'Runs', numeric: true, text: (c) => `${formatCredits(c.runs)}`, sort: (c) => c.runs},
    {heading: 'Median CPU / RAM', numeric: true, text: (c) => `${formatCredits(c.medianCpuPct)}% / ${formatCredits(c.medianRamPct)}%`, sort: (c) => c.medianCpuPct},
    {heading: 'p95 max CPU / RAM', numeric: true, text: (c) => `${formatCredits(c.p95MaxCpuPct)}% / ${formatCredits(c.p95MaxRamPct)}%`, sort: (c) => c.p95MaxCpuPct},
    {heading: 'Spiky runs', numeric: true, text: (c) => formatShare(c.spikeShare), sort: (c) => c.spikeShare},
    {heading: 'Credits/week', numeric: true, text: (c) => formatCredits(c.creditsPerWeek), sort: (c) => c.creditsPerWeek},
    {heading: 'Change', text: (c) => c.change, code: true},
  )
  const {rows, note} = limited(candidates, 'candidates')
  return renderTable(columns, rows, caption) + note
}

function savingsSection(summary: Summary): string {
  const savings = summary.savings
  if (!savings) return ''
  const t = savings.thresholds
  const parts: string[] = []
  if (savings.projectedFrom) {
    parts.push(`<p class="note">Savings are rightsizing only. Every per-week figure is ${esc(projectionWording(savings.projectedFrom))} (credits seen x 7 / days).</p>`)
  }
  if (savings.top.length === 0) {
    parts.push('<p class="empty">No savings opportunity passed the thresholds in this window.</p>')
  } else {
    const items = savings.top.map((item) => {
      const dollars = dollarsText(summary, item.creditsPerWeek)
      // Opportunity titles usually state their figure already; repeating it right after reads as a glitch.
      const value = `${formatCredits(item.creditsPerWeek)} credits/week`
      const badge = item.title.includes(value) ? (dollars ? ` <span class="opp-value">(${esc(dollars)})</span>` : '') : ` <span class="opp-value">${esc(value)}${dollars ? ` (${esc(dollars)})` : ''}</span>`
      return [
        '<li class="opportunity">',
        `<div class="opp-head"><span class="opp-title">${esc(item.title)}</span>${badge}</div>`,
        `<div class="opp-evidence"><span class="label">Evidence:</span> <span>${esc(item.evidence)}</span></div>`,
        `<div class="opp-change"><span class="label">Change:</span> <code>${esc(item.change)}</code></div>`,
        '</li>',
      ].join('\n')
    })
    parts.push(`<ol class="opportunities">\n${items.join('\n')}\n</ol>`)
  }
  parts.push('<h3>Rightsizing: over-provisioned jobs</h3>')
  parts.push(
    savings.rightsizing.length > 0
      ? rightsizingTable(summary, savings.rightsizing, 'Jobs that could run on a smaller resource class', 'saving')
      : '<p class="empty">No job ran consistently below the utilisation threshold.</p>',
  )
  if (savings.underProvisioned.length > 0) {
    parts.push('<h3>Under-provisioned jobs</h3>')
    parts.push('<p class="note">These jobs hit their limits often; a larger class costs more per minute but may finish sooner and fail less.</p>')
    parts.push(rightsizingTable(summary, savings.underProvisioned, 'Jobs that hit their resource limits, with the extra cost of a larger class', 'extra cost'))
  }
  parts.push('<h3>Spend on failing jobs (not a saving)</h3>')
  if (savings.failingJobs.length > 0) {
    const {rows, note} = limited(savings.failingJobs, 'failing jobs')
    parts.push(
      renderTable(
        [
          ...orgColumn<FailingJob>(summary.totals.orgs),
          {heading: 'Project', text: (j) => j.project},
          {heading: 'Workflow', text: (j) => j.workflow ?? '–'},
          {heading: 'Job', text: (j) => j.job},
          {heading: 'Runs', numeric: true, text: (j) => formatCredits(j.runs), sort: (j) => j.runs},
          {heading: 'Failures', numeric: true, text: (j) => formatCredits(j.failures), sort: (j) => j.failures},
          {heading: 'Failure rate', numeric: true, text: (j) => formatShare(j.failureRate), sort: (j) => j.failureRate},
          {heading: 'Failed credits', numeric: true, text: (j) => formatCredits(j.failedCredits), sort: (j) => j.failedCredits},
        ],
        rows,
        'Jobs that fail often, by credits spent on failed runs',
      ) + note,
    )
  } else {
    parts.push('<p class="empty">No job failed often enough to list.</p>')
  }
  parts.push(
    // The boundaries as rules.ts applies them: a median of exactly the low threshold downsizes, a spike share of
    // exactly maxSpikeShare does not, a median of exactly the high threshold upsizes.
    `<p class="note">Thresholds: at least ${esc(String(t.minRuns))} runs with utilisation data; downsize one step when median CPU and median RAM are at most ${esc(String(t.lowUtilisationPct))}%, fewer than ${esc(formatShare(t.maxSpikeShare))} of runs reach ${esc(String(t.spikePct))}% and the 95th percentile of max CPU and of max RAM, scaled to the smaller class, stays under ${esc(String(t.spikePct))}%; upsize when median CPU or median RAM is at least ${esc(String(t.highUtilisationPct))}%. Rates: ${esc(savings.rateTable.source)} (${esc(savings.rateTable.date)}).</p>`,
  )
  return section('savings', 'Savings', parts.join('\n'))
}

function failedSection(summary: Summary): string {
  const parts: string[] = [
    `<p>Failed jobs used <strong>${esc(formatCredits(summary.failed.credits))}</strong> credits${summary.creditPrice !== null ? ` (${esc(dollarsText(summary, summary.failed.credits) ?? '')})` : ''} over ${esc(formatCredits(summary.failed.jobs))} jobs; canceled jobs used ${esc(formatCredits(summary.canceled.credits))} credits over ${esc(formatCredits(summary.canceled.jobs))} jobs.</p>`,
  ]
  const failedColumns = (heading: string): Column<Bucket>[] => {
    const columns: Column<Bucket>[] = [
      {heading, text: (b) => b.key},
      {heading: 'Failed credits', numeric: true, text: (b) => formatCredits(b.credits), sort: (b) => b.credits},
      {heading: 'Share of failed', numeric: true, text: (b) => formatShare(b.share), sort: (b) => b.share},
    ]
    if (summary.creditPrice !== null) columns.push({heading: 'Cost', numeric: true, text: (b) => (b.dollars === null ? '–' : formatDollars(b.dollars)), sort: (b) => b.dollars ?? 0})
    columns.push({heading: 'Failed jobs', numeric: true, text: (b) => formatCredits(b.jobs), sort: (b) => b.jobs})
    return columns
  }
  const failedTable = (buckets: Bucket[], heading: string, what: string, caption: string): string => {
    // Like every long table: the rows past the limit (the "(other)" roll-up among them) are said to be left out.
    const {rows, note} = limited(buckets, what)
    return renderTable(failedColumns(heading), rows, caption) + note
  }
  if (summary.failed.byProject.length > 0) parts.push(failedTable(summary.failed.byProject, 'Project', 'projects', 'Failed-job credits by project'))
  if (summary.failed.byJob.length > 0) parts.push(failedTable(summary.failed.byJob, 'Job', 'jobs', 'Failed-job credits by job'))
  if (summary.jobStatuses.length > 0) {
    parts.push(
      renderTable(
        [
          {heading: 'Status', text: (s) => s.status},
          {heading: 'Jobs', numeric: true, text: (s) => formatCredits(s.jobs), sort: (s) => s.jobs},
          // Rows (job-less ones included) add up to the export's row count; jobs do not.
          {heading: 'Rows', numeric: true, text: (s) => (s.rows === undefined ? '–' : formatCredits(s.rows)), sort: (s) => s.rows ?? 0},
          {heading: 'Credits', numeric: true, text: (s) => formatCredits(s.credits), sort: (s) => s.credits},
          {heading: 'Share', numeric: true, text: (s) => formatShare(summary.totals.credits.total !== 0 ? s.credits / summary.totals.credits.total : 0), sort: (s) => s.credits},
        ],
        summary.jobStatuses,
        'Jobs and credits by job status',
      ),
    )
  }
  return section('failed', 'Failed jobs and job statuses', parts.join('\n'))
}

function navigation(summary: Summary): string {
  const links: [string, string][] = [['overview', 'Overview']]
  if (summary.comparison) links.push(['change', changeHeading(summary.comparison.previousWindow.days)])
  links.push(['charts', 'Charts'])
  if (hasHistorySection(summary)) links.push([HISTORY_SECTION_ID, summary.trend ? 'Trend and forecast' : 'Budgets and anomalies'])
  if (summary.savings) links.push(['savings', 'Savings'])
  links.push(['projects', 'Projects'], ['workflows', 'Workflows'], ['jobs', 'Jobs'], ['failed', 'Failed jobs'])
  if (summary.health) links.push(['health', 'Health'])
  if (summary.breakdowns.team) links.push(['teams', 'Teams'])
  if (hasOrgsSection(summary)) links.push([ORGS_SECTION_ID, 'Organizations'])
  links.push(['more', 'More breakdowns'])
  return `<nav aria-label="Sections">${links.map(([id, label]) => `<a href="#${id}">${esc(label)}</a>`).join(' ')}</nav>`
}

/**
 * The whole report as one self-contained page: inline CSS and SVG, no external resource, readable without
 * JavaScript (the inline script only adds click-to-sort to the tables). Written as well-formed XHTML-style
 * markup (closed tags, quoted attributes, the script in a CDATA block) so an XML parser can validate it.
 */
export function renderReportHtml(summary: Summary, charts: ChartFile[], page?: TeamPage): string {
  const b = summary.breakdowns
  const body = [
    headerBlock(summary, page),
    navigation(summary),
    '<main>',
    overview(summary),
    changeSection(summary),
    chartsSection(charts),
    hasHistorySection(summary) ? section(HISTORY_SECTION_ID, historySectionHeading(summary), historySection(summary)) : '',
    savingsSection(summary),
    section('projects', 'Projects', breakdownTable(summary, b.project, 'Project', 'projects', 'by-project.csv')),
    section('workflows', 'Workflows', breakdownTable(summary, b.workflow, 'Workflow', 'workflows', 'by-workflow.csv')),
    section('jobs', 'Jobs', breakdownTable(summary, b.job, 'Job', 'jobs', 'by-job.csv')),
    failedSection(summary),
    healthSection(summary),
    b.team ? section('teams', 'Teams', breakdownTable(summary, b.team, 'Team', 'teams', 'by-team.csv') + teamPageLinks(summary)) : '',
    hasOrgsSection(summary)
      ? section(ORGS_SECTION_ID, 'Organizations', orgsSectionBody(summary, breakdownTable(summary, b.org, 'Organization', 'organizations', 'by-org.csv', 'Credits by organization')))
      : '',
    section(
      'more',
      'More breakdowns',
      [
        creditTypes(summary),
        breakdownTable(summary, b.resourceClass, 'Resource class', 'resource classes', 'by-resource-class.csv', 'Credits by resource class'),
        breakdownTable(summary, b.executor, 'Executor', 'executors', 'by-executor.csv', 'Credits by executor'),
        breakdownTable(summary, b.branch, 'Branch', 'branches', 'by-branch.csv', 'Credits by branch'),
      ]
        .filter(Boolean)
        .join('\n'),
    ),
    '</main>',
    `<footer><p>summary.json schema ${esc(String(summary.schemaVersion))} · ${esc(summary.tool.name)} ${esc(summary.tool.version)} · all times UTC · credits are exact sums, rounded for display only.</p></footer>`,
  ]
  const title = `CircleCI usage${page ? ` · team ${endRightToLeftRun(page.team)}` : ''} ${formatWindow(summary.window)}`
  return [
    '<!DOCTYPE html>',
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    ...body.filter(Boolean),
    `<script>//<![CDATA[\n${SORT_SCRIPT}\n//]]></script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}
