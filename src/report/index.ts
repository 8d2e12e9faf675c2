import {join} from 'node:path'

import {writeJsonAtomic} from '../core/atomic.js'
import type {Clock} from '../core/clock.js'
import {BadInputError} from '../core/errors.js'
import {CSV_DIMENSIONS, type CsvDimension} from '../analysis/build.js'
import {buildReportSummary, type SummaryOptions} from '../analysis/index.js'
import {phase} from '../analysis/profile.js'
import type {Summary} from '../analysis/summary.js'
import {writeChargebackCsv} from './chargeback.js'
import {writeBreakdownCsv} from './csv.js'
import {writeTeamSummaries} from './team-files.js'

export interface ReportOptions extends SummaryOptions {
  outDir: string
  /** Extra by-<dim>.csv files; by-project.csv is always written. */
  groupBy?: CsvDimension[]
  /**
   * Charts/HTML: called with the finished Summary (and each team's report, whose entry in summary.teams it
   * completes with the page and chart it writes); the file names it returns go into summary.artifacts.
   */
  visuals?: (outDir: string, summary: Summary, teams: TeamVisuals[]) => Promise<string[]>
}

/** A team's Summary with its entry in summary.teams. */
export interface TeamVisuals {
  entry: NonNullable<Summary['teams']>[number]
  summary: Summary
}

export interface ReportContext {
  clock: Clock
  /** Progress and notices (stderr). */
  log?: (line: string) => void
}

export interface ReportResult {
  summary: Summary
  /** Names of the files written in outDir (paths with `/` for the teams/ folder). */
  files: string[]
  /** Each team's own report (empty without a teams file), for per-team Slack messages. */
  teams: TeamVisuals[]
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
  const {summary, tables, notices, teams, chargeback} = await buildReportSummary(options, context.clock)
  for (const notice of notices) log(notice)
  const files: string[] = []
  const withDollars = summary.creditPrice !== null
  // A multi-org (shared plan) report always gets its per-organization file, asked for or not.
  const byOrg = (tables.org?.length ?? 0) > 1 || Boolean(summary.sharedPlan) ? (['org'] as CsvDimension[]) : []
  for (const dimension of [...new Set(['project', ...groupBy, ...byOrg])] as CsvDimension[]) {
    const rows = tables[dimension]
    if (!rows) continue
    const name = `by-${dimension}.csv`
    await writeBreakdownCsv(join(options.outDir, name), dimension, rows, withDollars)
    files.push(name)
  }
  if (chargeback) files.push(await writeChargebackCsv(options.outDir, chargeback.month, chargeback.rows, summary.creditPrice))
  phase('breakdown csv files')
  const teamOutputs = options.teamsFile ? await writeTeamSummaries(options.outDir, teams) : null
  summary.teams = teamOutputs ? teamOutputs.entries : null
  const teamVisuals = teamOutputs ? teams.map((report, index) => ({entry: teamOutputs.entries[index], summary: report.summary})) : []
  if (options.visuals) summary.artifacts = await options.visuals(options.outDir, summary, teamVisuals)
  summary.artifacts = [...(teamOutputs?.files ?? []), ...summary.artifacts]
  phase('visuals (charts, html)')
  await writeJsonAtomic(join(options.outDir, 'summary.json'), summary)
  phase('summary.json')
  files.push('summary.json', ...summary.artifacts)
  log(`Wrote ${files.join(', ')} to ${options.outDir}`)
  return {summary, files, teams: teamVisuals}
}
