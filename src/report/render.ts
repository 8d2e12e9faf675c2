import {isRollup, type Bucket, type Summary} from '../analysis/summary.js'
import {formatCredits} from '../core/format-credits.js'
import {breakdownCsvString} from './csv.js'
import {historyLines} from './history-lines.js'

/** Pure renderers of the Summary for stdout: a terminal table, Markdown, CSV. Numbers are rounded here only. */
export type OutputFormat = 'table' | 'markdown' | 'csv' | 'json'

const integer = new Intl.NumberFormat('en-US', {maximumFractionDigits: 0})
const money = new Intl.NumberFormat('en-US', {style: 'currency', currency: 'USD', maximumFractionDigits: 2})

export {formatCredits}

function formatPct(share: number): string {
  return `${(share * 100).toFixed(1)}%`
}

function signed(value: number, formatter: (value: number) => string): string {
  return `${value > 0 ? '+' : value < 0 ? '-' : '±'}${formatter(Math.abs(value))}`
}

/** Text from the data must not move the cursor or recolour the terminal. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
}

/** Markdown-safe cell: no table breaks, no emphasis/links/HTML from the data. */
export function markdownSafe(text: string): string {
  return terminalSafe(text).replace(/[\\`*_{}[\]()<>#+!|~]/g, (char) => `\\${char}`)
}

function windowLabel(summary: Summary): string {
  const start = summary.window.start.slice(0, 10)
  const last = new Date(Date.parse(summary.window.end) - 86_400_000).toISOString().slice(0, 10)
  return `${start} .. ${last} (${summary.window.days} day${summary.window.days === 1 ? '' : 's'}, UTC)`
}

interface Column {
  header: string
  align: 'left' | 'right'
  cell: (bucket: Bucket) => string
}

function projectColumns(summary: Summary): Column[] {
  const columns: Column[] = [
    {header: 'Project', align: 'left', cell: (bucket) => bucket.key},
    {header: 'Org', align: 'left', cell: (bucket) => bucket.dims.org ?? ''},
    {header: 'Credits', align: 'right', cell: (bucket) => formatCredits(bucket.credits)},
    {header: 'Share', align: 'right', cell: (bucket) => formatPct(bucket.share)},
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
      (top ? ` · top project: ${top.key} (${formatCredits(top.credits)}, ${formatPct(top.share)})` : ''),
  )
  const failedShare = summary.totals.credits.total > 0 ? summary.failed.credits / summary.totals.credits.total : 0
  lines.push(
    `Failed-job credits: ${formatCredits(summary.failed.credits)} (${formatPct(failedShare)}) in ${integer.format(summary.failed.jobs)} jobs · canceled: ${formatCredits(summary.canceled.credits)} credits in ${integer.format(summary.canceled.jobs)} jobs`,
  )
  const comparison = summary.comparison
  if (comparison) {
    const previousStart = comparison.previousWindow.start.slice(0, 10)
    if (comparison.previousEmpty) {
      lines.push(`Change vs previous window (${previousStart}, ${comparison.previousWindow.days} days): no data — the input has no rows for the previous window.`)
    } else {
      const pct = comparison.change.pct === null ? '' : ` (${signed(comparison.change.pct, (value) => `${value.toFixed(1)}%`)})`
      const movers = comparison.movers.slice(0, 3).map((mover) => `${mover.project} ${signed(mover.change, formatCredits)}`)
      lines.push(
        `Change vs previous window (from ${previousStart}): ${signed(comparison.change.credits, formatCredits)} credits${pct}` +
          (movers.length > 0 ? ` · top movers: ${movers.join(', ')}` : ''),
      )
      if (comparison.appeared.length > 0 || comparison.vanished.length > 0) {
        lines.push(`New projects: ${comparison.appeared.length} · gone: ${comparison.vanished.length}`)
      }
    }
  }
  const opportunities = summary.savings?.top ?? []
  if (opportunities.length > 0) {
    lines.push('Top savings:')
    opportunities.forEach((opportunity, index) => lines.push(`  ${index + 1}. ${opportunity.title} (${opportunity.evidence})`))
  }
  lines.push(...historyLines(summary))
  return lines
}

export function renderTable(summary: Summary): string {
  const columns = projectColumns(summary)
  const body = [...summary.breakdowns.project, totalsBucket(summary)]
  const cells = body.map((bucket) => columns.map((column) => terminalSafe(column.cell(bucket))))
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => row[index].length)))
  const line = (values: string[]) =>
    values.map((value, index) => (columns[index].align === 'left' ? value.padEnd(widths[index]) : value.padStart(widths[index]))).join('  ').trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  const out = [
    `CircleCI usage ${windowLabel(summary)} · ${integer.format(summary.totals.rows)} rows · ${summary.totals.orgs} org${summary.totals.orgs === 1 ? '' : 's'}`,
    '',
    line(columns.map((column) => column.header)),
    rule,
    ...cells.slice(0, -1).map(line),
    rule,
    line(cells.at(-1) as string[]),
    '',
    ...statistics(summary).map(terminalSafe),
  ]
  return out.join('\n') + '\n'
}

export function renderMarkdown(summary: Summary): string {
  const columns = projectColumns(summary)
  const row = (values: string[]) => `| ${values.join(' | ')} |`
  const body = [...summary.breakdowns.project, totalsBucket(summary)]
  const out = [
    `## CircleCI usage ${markdownSafe(windowLabel(summary))}`,
    '',
    row(columns.map((column) => column.header)),
    row(columns.map((column) => (column.align === 'right' ? '---:' : '---'))),
    ...body.map((bucket) => row(columns.map((column) => markdownSafe(column.cell(bucket))))),
    '',
    // Indented statistics lines (the numbered savings) become a nested list.
    ...statistics(summary).map((text) => (text.startsWith('  ') ? `  - ${markdownSafe(text.trim())}` : `- ${markdownSafe(text)}`)),
  ]
  return out.join('\n') + '\n'
}

export async function renderSummary(summary: Summary, outputFormat: OutputFormat): Promise<string> {
  switch (outputFormat) {
    case 'json':
      return JSON.stringify(summary, null, 2) + '\n'
    case 'markdown':
      return renderMarkdown(summary)
    case 'csv':
      return breakdownCsvString('project', summary.breakdowns.project, summary.creditPrice !== null)
    default:
      return renderTable(summary)
  }
}
