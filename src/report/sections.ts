/**
 * Tables printed after the project table on stdout (table, Markdown, CSV): credits by team when --teams was
 * given, and the job statuses with their rows, which add up to the export's row count.
 */
import type {Bucket, Summary} from '../analysis/summary.js'
import {formatCredits, formatShare} from '../core/format-credits.js'
import {breakdownCsvString, csvString, escapeCell, sharePct} from './csv.js'
import {integer, money, type TextColumn} from './text-table.js'

type JobStatus = Summary['jobStatuses'][number]

/** A table with its cells already turned into text (each source table has its own row type). */
export interface ExtraTable {
  title: string
  columns: TextColumn<string[]>[]
  rows: string[][]
  /** Rows at the end that are totals, set off in the terminal table. */
  footerRows: number
}

function textTable<T>(title: string, columns: TextColumn<T>[], rows: T[], footerRows = 0): ExtraTable {
  return {
    title,
    columns: columns.map((column, index) => ({header: column.header, align: column.align, cell: (cells: string[]) => cells[index]})),
    rows: rows.map((row) => columns.map((column) => column.cell(row))),
    footerRows,
  }
}

function teamTable(summary: Summary, teams: Bucket[]): ExtraTable {
  const columns: TextColumn<Bucket>[] = [
    {header: 'Team', align: 'left', cell: (team) => team.key},
    {header: 'Credits', align: 'right', cell: (team) => formatCredits(team.credits)},
    {header: 'Share', align: 'right', cell: (team) => formatShare(team.share)},
  ]
  if (summary.creditPrice !== null) columns.push({header: 'USD', align: 'right', cell: (team) => money.format(team.dollars ?? 0)})
  return textTable('Credits by team', columns, teams)
}

function statusShare(summary: Summary, credits: number): number {
  return summary.totals.credits.total !== 0 ? credits / summary.totals.credits.total : 0
}

function statusTable(summary: Summary): ExtraTable {
  const total: JobStatus = {status: 'TOTAL', jobs: summary.totals.jobs, credits: summary.totals.credits.total, rows: summary.totals.rows}
  return textTable(
    'Job statuses (rows add up to the export; rows without a job count in rows, not jobs)',
    [
      {header: 'Status', align: 'left', cell: (status) => status.status},
      {header: 'Jobs', align: 'right', cell: (status) => integer.format(status.jobs)},
      {header: 'Rows', align: 'right', cell: (status) => (status.rows === undefined ? '' : integer.format(status.rows))},
      {header: 'Credits', align: 'right', cell: (status) => formatCredits(status.credits)},
      {header: 'Share', align: 'right', cell: (status) => formatShare(statusShare(summary, status.credits))},
    ],
    [...summary.jobStatuses, total],
    1,
  )
}

/** The tables after the project table, in order. */
export function extraTables(summary: Summary): ExtraTable[] {
  const tables: ExtraTable[] = []
  if (summary.breakdowns.team) tables.push(teamTable(summary, summary.breakdowns.team))
  if (summary.jobStatuses.length > 0) tables.push(statusTable(summary))
  return tables
}

/** The same tables as CSV sections (the team one is by-team.csv's format). */
export async function extraCsvSections(summary: Summary): Promise<string[]> {
  const sections: string[] = []
  if (summary.breakdowns.team) sections.push(await breakdownCsvString('team', summary.breakdowns.team, summary.creditPrice !== null))
  if (summary.jobStatuses.length > 0) {
    sections.push(
      await csvString(
        ['status', 'jobs', 'rows', 'credits', 'share_pct'],
        summary.jobStatuses.map((status) => [escapeCell(status.status), status.jobs, status.rows ?? '', status.credits, sharePct(statusShare(summary, status.credits))]),
      ),
    )
  }
  return sections
}
