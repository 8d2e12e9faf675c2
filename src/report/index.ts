import {join} from 'node:path'

import {stageArtifacts} from '../core/artifact-set.js'
import {collectGarbage} from '../core/collect-garbage.js'
import {writeJsonAtomic} from '../core/atomic.js'
import type {Clock} from '../core/clock.js'
import {BadInputError} from '../core/errors.js'
import {readJson} from '../core/json-file.js'
import {CSV_DIMENSIONS, type CsvDimension} from '../analysis/build.js'
import {buildReportSummary, type SummaryOptions} from '../analysis/index.js'
import {phase} from '../analysis/profile.js'
import type {Summary} from '../analysis/summary.js'
import {writeChargebackCsv} from './chargeback.js'
import {writeBreakdownCsv} from './csv.js'
import {writeTeamSummaries} from './team-files.js'
import {unfinishedExportWarnings} from './export-state.js'
import {writeJobHealthCsv} from './job-health-csv.js'

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
  /** Warnings (stderr): the numbers are right but need a caveat, e.g. usage.csv holds an older range. */
  warn?: (line: string) => void
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

/**
 * Builds the Summary from the export, then writes the whole artifact set (by-<dim>.csv files, visuals,
 * summary.json last) into a staging folder and publishes it as one set (core/artifact-set.ts): the folder ends
 * up with all the new files or, after a failure, all the old ones.
 */
export async function generateReport(options: ReportOptions, context: ReportContext): Promise<ReportResult> {
  const groupBy = validateGroupBy(options.groupBy ?? [], Boolean(options.teamsFile))
  const log = context.log ?? (() => undefined)
  const warn = context.warn ?? ((line: string) => log(`Warning: ${line}`))
  phase('start-up (node, oclif, modules)')
  const exportWarnings = await unfinishedExportWarnings(options.inputs)
  // Every branch entry is read only for by-branch.csv; otherwise the Summary's top branches come from DuckDB.
  const {summary, tables, notices, warnings, teams, chargeback} = await buildReportSummary({...options, branchTable: groupBy.includes('branch')}, context.clock)
  // DuckDB is closed: what the queries left behind goes before the files are formatted.
  collectGarbage()
  for (const notice of notices) log(notice)
  for (const warning of [...exportWarnings, ...warnings]) warn(warning)
  if (exportWarnings.length > 0 || warnings.length > 0) summary.input.warnings = [...exportWarnings, ...warnings]
  const staging = await stageArtifacts(options.outDir, {last: SUMMARY_FILE, previousFiles: legacyReportFiles})
  try {
    const withDollars = summary.creditPrice !== null
    // A multi-org (shared plan) report always gets its per-organization file, asked for or not; with the health
    // section, by-job.csv is always written, with the job's health figures after its breakdown.
    const health = summary.health ?? null
    const byOrg = (tables.org?.length ?? 0) > 1 || Boolean(summary.sharedPlan) ? (['org'] as CsvDimension[]) : []
    const byJob = health ? (['job'] as CsvDimension[]) : []
    for (const dimension of [...new Set(['project', ...groupBy, ...byOrg, ...byJob])] as CsvDimension[]) {
      const rows = tables[dimension]
      if (!rows) continue
      const path = join(staging.dir, `by-${dimension}.csv`)
      if (dimension === 'job' && health) await writeJobHealthCsv(path, rows, health.jobs, withDollars)
      else await writeBreakdownCsv(path, dimension, rows, withDollars)
    }
    if (chargeback) await writeChargebackCsv(staging.dir, chargeback.month, chargeback.rows, summary.creditPrice)
    phase('breakdown csv files')
    const teamOutputs = options.teamsFile ? await writeTeamSummaries(staging.dir, teams) : null
    summary.teams = teamOutputs ? teamOutputs.entries : null
    const teamVisuals = teamOutputs ? teams.map((report, index) => ({entry: teamOutputs.entries[index], summary: report.summary})) : []
    if (options.visuals) summary.artifacts = await options.visuals(staging.dir, summary, teamVisuals)
    summary.artifacts = [...(teamOutputs?.files ?? []), ...summary.artifacts]
    phase('visuals (charts, html)')
    await writeJsonAtomic(join(staging.dir, SUMMARY_FILE), summary)
    const files = await staging.publish()
    phase('summary.json, publish')
    log(`Wrote ${files.join(', ')} to ${options.outDir}`)
    return {summary, files, teams: teamVisuals}
  } catch (error) {
    await staging.discard()
    throw error
  }
}

const SUMMARY_FILE = 'summary.json'

/**
 * The files a report of a version without the artifact list wrote: summary.json, what it lists as artifacts,
 * and the by-<dim>.csv files. Only those are replaced or removed by the first report of this version.
 */
async function legacyReportFiles(outDir: string): Promise<string[]> {
  // Not JSON: no report's (another tool's file, or a damaged one), like JSON without the tool's name.
  const old = await readJson<Partial<Summary>>(join(outDir, SUMMARY_FILE))
  if (old?.tool?.name !== 'cci-usage') return []
  const breakdowns = CSV_DIMENSIONS.map((dimension) => `by-${dimension}.csv`)
  return [SUMMARY_FILE, ...(Array.isArray(old.artifacts) ? old.artifacts : []), ...breakdowns]
}
