/**
 * `run`: the weekly job the orb calls. Export (the previous window too when comparing, in the same export
 * job when both fit in 31 days), report with charts and savings, then Slack when asked. Each stage is its
 * own module; this one only sequences them and decides the ranges.
 */
import {join} from 'node:path'

import type {Clock} from '../core/clock.js'
import {TimeoutError} from '../core/errors.js'
import type {Summary} from '../analysis/summary.js'
import type {CsvDimension} from '../analysis/build.js'
import type {ReportFilters} from '../analysis/scope.js'
import {loadTeamRules} from '../analysis/teams.js'
import type {ExportResult} from '../export/index.js'
import {runExportOn, type ExportTarget} from '../export/demo.js'
import {DAY_MS, MAX_LOOKBACK_DAYS, startOfUtcDay, utcDay, type DateRange} from '../export/windows.js'
import type {Budget} from '../history/budgets.js'
import {planHistoryExport, type HistoryExportPlan} from './history.js'
import {fullReportHooks} from '../report/hooks.js'
import {generateReport} from '../report/index.js'
import {notifySlack, type NotifyOptions, type NotifyResult} from '../slack/index.js'

export interface WeeklyOptions {
  /** Real API credentials, or 'demo' for the embedded simulator. */
  api: ExportTarget
  sharedOrgIds: string[]
  range: DateRange
  outDir: string
  timeoutMs: number
  keepParts?: boolean
  compare: 'previous' | 'none'
  report: {
    top: number
    teamsFile?: string
    creditPrice: number | null
    groupBy: CsvDimension[]
    filters?: Pick<ReportFilters, 'org' | 'project' | 'branch'>
    toolVersion?: string
  }
  /** null: do not post. */
  notify: NotifyOptions | null
  /** Keep and read a history (README "History"); absent: no trend, forecast, budgets or anomalies. */
  history?: {dir: string; trendWeeks: number; budgets: Budget[] | null}
}

export interface WeeklyContext {
  clock: Clock
  log: (line: string) => void
  warn: (line: string) => void
  /** Tests pass a fake sleep (with a fake clock); production waits for real. */
  sleep?: (ms: number) => Promise<void>
}

export interface WeeklyResult {
  export: ExportResult
  summary: Summary
  files: string[]
  notify: NotifyResult | null
}

/** The report's inclusive day filters for a half-open instant range: every UTC day it touches. */
export function reportDays(range: DateRange): {since: string; until: string} {
  return {since: utcDay(range.start), until: utcDay(new Date(range.end.getTime() - 1))}
}

/**
 * The range to export. The report works in whole UTC days, so the export starts at the midnight of the report's
 * first day; when comparing, it starts that many whole days earlier again (one export job when it all fits in
 * 31 days) — unless that would reach past the API's 366-day limit, in which case the comparison is dropped.
 */
export function exportRangeFor(range: DateRange, compare: 'previous' | 'none', now: Date): {range: DateRange; withPrevious: boolean} {
  const firstDay = startOfUtcDay(range.start)
  const current = {start: firstDay, end: range.end}
  if (compare === 'none') return {range: current, withPrevious: false}
  const {since, until} = reportDays(range)
  const days = Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / DAY_MS) + 1
  const previousStart = new Date(firstDay.getTime() - days * DAY_MS)
  // The same limit validateRange applies to the request, so a range accepted here is never refused there.
  if (previousStart.getTime() < now.getTime() - MAX_LOOKBACK_DAYS * DAY_MS) return {range: current, withPrevious: false}
  return {range: {start: previousStart, end: range.end}, withPrevious: true}
}

export async function runWeekly(options: WeeklyOptions, context: WeeklyContext): Promise<WeeklyResult> {
  // A bad teams file must stop the run before it spends export jobs (10 POSTs an hour).
  if (options.report.teamsFile) await loadTeamRules(options.report.teamsFile)
  const {range: exportRange, withPrevious} = exportRangeFor(options.range, options.compare, context.clock())
  if (options.compare === 'previous' && !withPrevious) {
    context.warn('the previous window starts more than 366 days ago, which the Usage API refuses: reporting without a comparison.')
  }
  // Before any POST: a history for other organizations, or a damaged one, stops the run here.
  const history: HistoryExportPlan | null = options.history
    ? await planHistoryExport(options.history, {api: options.api, sharedOrgIds: options.sharedOrgIds, window: reportDays(options.range), end: options.range.end, exportRange}, context)
    : null
  const exportOptions = {
    sharedOrgIds: options.sharedOrgIds,
    range: exportRange,
    extraRanges: history?.extraRanges,
    outDir: options.outDir,
    timeoutMs: options.timeoutMs,
    keepParts: options.keepParts,
  }
  const exportContext = {clock: context.clock, log: context.log, sleep: context.sleep}
  const exported = await runExportOn(options.api, exportOptions, exportContext).catch((error: unknown) => {
    // The export's resume command fetches the data only; the weekly job is finished by running `run` again.
    if (error instanceof TimeoutError && error.message.includes('cci-usage export')) {
      throw new TimeoutError(
        error.code,
        `${error.message} To finish the whole report instead, rerun the same \`cci-usage run\` command with the same --out on the same UTC day: it reuses these jobs.`,
        error.details,
      )
    }
    throw error
  })

  const {summary, files} = await generateReport(
    {
      inputs: [exported.csvPath],
      outDir: options.outDir,
      filters: {...options.report.filters, ...reportDays(options.range)},
      compare: withPrevious ? 'previous' : 'none',
      top: options.report.top,
      teamsFile: options.report.teamsFile,
      creditPrice: options.report.creditPrice,
      groupBy: options.report.groupBy,
      toolVersion: options.report.toolVersion,
      history: options.history && history
        ? {
            dir: options.history.dir,
            trendWeeks: options.history.trendWeeks,
            budgets: options.history.budgets,
            update: {organizations: history.organizations, windows: exported.windows},
          }
        : undefined,
      ...fullReportHooks(options.report.top),
    },
    {clock: context.clock, log: context.log},
  )

  let notified: NotifyResult | null = null
  if (options.notify) {
    notified = await notifySlack(summary, {...options.notify, chartPng: join(options.outDir, 'credits-by-project.png')}, context.log)
    for (const warning of notified.warnings) context.warn(warning)
  }
  return {export: exported, summary, files: ['usage.csv', 'export-manifest.json', ...files], notify: notified}
}
