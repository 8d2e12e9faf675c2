import {isRollup, type Bucket, type Summary} from '../analysis/summary.js'
import {endRightToLeftRun} from '../core/bidi.js'
import {formatCount, formatCredits, formatShare, formatSignedCredits, formatSignedPercent} from '../core/format-credits.js'
import {projectionWording} from '../core/projection.js'
import {terminalSafe, terminalSafeLines} from '../core/terminal-safe.js'
import {breakdownCsvString} from './csv.js'
import {extraCsvSections, extraTables} from './sections.js'
import {alignedTable, integer, markdownSafe, markdownTable, money, type TextColumn} from './text-table.js'
import {healthLines} from './health-lines.js'
import {historyLines} from './history-lines.js'

/** Pure renderers of the Summary for stdout: a terminal table, Markdown, CSV. Numbers are rounded here only. */
export type OutputFormat = 'table' | 'markdown' | 'csv' | 'json'

export {formatCredits}

export {markdownSafe, terminalSafe}

function windowLabel(summary: Summary): string {
  const start = summary.window.start.slice(0, 10)
  const last = new Date(Date.parse(summary.window.end) - 86_400_000).toISOString().slice(0, 10)
  return `${start} .. ${last} (${summary.window.days} day${summary.window.days === 1 ? '' : 's'}, UTC)`
}

function projectColumns(summary: Summary): TextColumn<Bucket>[] {
  const columns: TextColumn<Bucket>[] = [
    {header: 'Project', align: 'left', cell: (bucket) => bucket.key},
    {header: 'Org', align: 'left', cell: (bucket) => bucket.dims.org ?? ''},
    {header: 'Credits', align: 'right', cell: (bucket) => formatCredits(bucket.credits)},
    {header: 'Share', align: 'right', cell: (bucket) => formatShare(bucket.share)},
    {header: 'Jobs', align: 'right', cell: (bucket) => integer.format(bucket.jobs)},
    {header: 'Failed credits', align: 'right', cell: (bucket) => formatCredits(bucket.failedCredits)},
  ]
  if (summary.creditPrice !== null) columns.push({header: 'USD', align: 'right', cell: (bucket) => money.format(bucket.dollars ?? 0)})
  return columns
}

function totalsBucket(summary: Summary): Bucket {
  return {
    key: 'TOTAL',
    dims: {org: null},
    credits: summary.totals.credits.total,
    share: summary.totals.rows > 0 ? 1 : 0,
    jobs: summary.totals.jobs,
    rows: summary.totals.rows,
    computeMinutes: summary.totals.computeMinutes,
    failedCredits: summary.failed.credits,
    failedJobs: summary.failed.jobs,
    dollars: summary.totals.dollars,
  }
}

/** The statistics lines shown under the table (and in Markdown). */
export function statistics(summary: Summary): string[] {
  const lines: string[] = []
  const top = summary.breakdowns.project.find((bucket) => !isRollup(bucket))
  lines.push(
    `Projects with usage: ${integer.format(summary.totals.projects)} · average per project: ${formatCredits(summary.totals.averagePerProject)} credits` +
      (top ? ` · top project: ${endRightToLeftRun(top.key)} (${formatCredits(top.credits)}, ${formatShare(top.share)})` : ''),
  )
  const failedShare = summary.totals.credits.total > 0 ? summary.failed.credits / summary.totals.credits.total : 0
  lines.push(
    `Spent on failed jobs: ${formatCredits(summary.failed.credits)} credits (${formatShare(failedShare)}) in ${integer.format(summary.failed.jobs)} jobs · on canceled jobs: ${formatCredits(summary.canceled.credits)} credits in ${integer.format(summary.canceled.jobs)} jobs`,
  )
  const comparison = summary.comparison
  if (comparison) {
    const previousStart = comparison.previousWindow.start.slice(0, 10)
    if (comparison.previousEmpty) {
      lines.push(`Change vs previous window (${previousStart}, ${comparison.previousWindow.days} days): no data — the input has no rows for the previous window.`)
    } else {
      const pct = comparison.change.pct === null ? '' : ` (${formatSignedPercent(comparison.change.pct)})`
      const movers = comparison.movers.slice(0, 3).map((mover) => `${endRightToLeftRun(mover.project)} ${formatSignedCredits(mover.change)}`)
      lines.push(
        `Change vs previous window (from ${previousStart}): ${formatSignedCredits(comparison.change.credits)} credits${pct}` +
          (movers.length > 0 ? ` · top movers: ${movers.join(', ')}` : ''),
      )
      if (comparison.appeared.length > 0 || comparison.vanished.length > 0) {
        lines.push(`New projects: ${formatCount(comparison.appeared.length)} · gone: ${formatCount(comparison.vanished.length)}`)
      }
    }
  }
  const opportunities = summary.savings?.top ?? []
  if (opportunities.length > 0) {
    const projectedFrom = summary.savings?.projectedFrom
    lines.push(`Top savings (rightsizing${projectedFrom ? `, ${projectionWording(projectedFrom)}` : ''}):`)
    opportunities.forEach((opportunity, index) => lines.push(`  ${index + 1}. ${opportunity.title} (${opportunity.evidence})`))
  }
  lines.push(...historyLines(summary))
  lines.push(...healthLines(summary))
  return lines
}

export function renderTable(summary: Summary): string {
  const out = [
    `CircleCI usage ${windowLabel(summary)} · ${integer.format(summary.totals.rows)} rows · ${summary.totals.orgs} org${summary.totals.orgs === 1 ? '' : 's'}`,
    '',
    ...alignedTable(projectColumns(summary), [...summary.breakdowns.project, totalsBucket(summary)], 1),
    '',
    ...statistics(summary).map(terminalSafe),
    ...extraTables(summary).flatMap((table) => ['', table.title, ...alignedTable(table.columns, table.rows, table.footerRows)]),
  ]
  return out.join('\n') + '\n'
}

export function renderMarkdown(summary: Summary): string {
  const out = [
    `## CircleCI usage ${markdownSafe(windowLabel(summary))}`,
    '',
    // Stderr carries these on the terminal; a Markdown summary (a PR comment, a job summary) has only itself.
    ...(summary.input.warnings ?? []).flatMap((warning) => [`> **Warning:** ${markdownSafe(warning)}`, '']),
    ...markdownTable(projectColumns(summary), [...summary.breakdowns.project, totalsBucket(summary)]),
    '',
    // Indented statistics lines (the numbered savings) become a nested list.
    ...statistics(summary).map((text) => (text.startsWith('  ') ? `  - ${markdownSafe(text.trim())}` : `- ${markdownSafe(text)}`)),
    ...extraTables(summary).flatMap((table) => ['', `### ${markdownSafe(table.title)}`, '', ...markdownTable(table.columns, table.rows)]),
  ]
  return out.join('\n') + '\n'
}

export async function renderSummary(summary: Summary, outputFormat: OutputFormat): Promise<string> {
  switch (outputFormat) {
    case 'json':
      return JSON.stringify(summary, null, 2) + '\n'
    case 'markdown':
      return renderMarkdown(summary)
    case 'csv': {
      // Further tables follow the project table as CSV sections, each with its header, after one empty line.
      const csv = [await breakdownCsvString('project', summary.breakdowns.project, summary.creditPrice !== null), ...(await extraCsvSections(summary))].join('\n')
      // This CSV goes to stdout, often a terminal: no escape sequence from a name may reach it (the files keep them).
      return terminalSafeLines(csv)
    }
    default:
      return renderTable(summary)
  }
}
