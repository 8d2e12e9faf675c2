import {join} from 'node:path'

import {writeJsonAtomic} from '../core/atomic.js'
import type {Clock} from '../core/clock.js'
import {BadInputError} from '../core/errors.js'
import {CSV_DIMENSIONS, type CsvDimension} from '../analysis/build.js'
import {buildReportSummary, type SummaryOptions} from '../analysis/index.js'
import {phase} from '../analysis/profile.js'
import type {Summary} from '../analysis/summary.js'
import {writeBreakdownCsv} from './csv.js'
import {writeJobHealthCsv} from './job-health-csv.js'

export interface ReportOptions extends SummaryOptions {
  outDir: string
  /** Extra by-<dim>.csv files; by-project.csv is always written. */
  groupBy?: CsvDimension[]
  /** Charts/HTML: called with the finished Summary; the file names it returns go into summary.artifacts. */
  visuals?: (outDir: string, summary: Summary) => Promise<string[]>
}

export interface ReportContext {
  clock: Clock
  /** Progress and notices (stderr). */
  log?: (line: string) => void
}

export interface ReportResult {
  summary: Summary
  /** Names of the files written in outDir. */
  files: string[]
}

export function validateGroupBy(groupBy: string[], hasTeams: boolean): CsvDimension[] {
  for (const dimension of groupBy) {
    if (!(CSV_DIMENSIONS as readonly string[]).includes(dimension)) {
      throw new BadInputError('E_BAD_GROUP_BY', `--group-by ${dimension} is not a dimension: use one of ${CSV_DIMENSIONS.join(', ')}.`)
    }
    if (dimension === 'team' && !hasTeams) {
      throw new BadInputError('E_BAD_GROUP_BY', '--group-by team needs --teams FILE mapping projects to teams.')
    }
  }
  return [...new Set(groupBy)] as CsvDimension[]
}

/** Builds the Summary from the export, writes by-<dim>.csv files, visuals, then summary.json (all atomic). */
export async function generateReport(options: ReportOptions, context: ReportContext): Promise<ReportResult> {
  const groupBy = validateGroupBy(options.groupBy ?? [], Boolean(options.teamsFile))
  const log = context.log ?? (() => undefined)
  phase('start-up (node, oclif, modules)')
  const {summary, tables, notices} = await buildReportSummary(options, context.clock)
  for (const notice of notices) log(notice)
  const files: string[] = []
  const withDollars = summary.creditPrice !== null
  // With the health section, by-job.csv is always written, with the job's health figures after its breakdown.
  const health = summary.health ?? null
  const dimensions = new Set<CsvDimension>(['project', ...groupBy, ...(health ? (['job'] as const) : [])])
  for (const dimension of dimensions) {
    const rows = tables[dimension]
    if (!rows) continue
    const name = `by-${dimension}.csv`
    if (dimension === 'job' && health) await writeJobHealthCsv(join(options.outDir, name), rows, health.jobs, withDollars)
    else await writeBreakdownCsv(join(options.outDir, name), dimension, rows, withDollars)
    files.push(name)
  }
  phase('breakdown csv files')
  if (options.visuals) summary.artifacts = await options.visuals(options.outDir, summary)
  phase('visuals (charts, html)')
  await writeJsonAtomic(join(options.outDir, 'summary.json'), summary)
  phase('summary.json')
  files.push('summary.json', ...summary.artifacts)
  log(`Wrote ${files.join(', ')} to ${options.outDir}`)
  return {summary, files}
}
