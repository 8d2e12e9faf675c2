/**
 * `run`: the weekly job the orb calls. Export (the previous window too when comparing, in the same export
 * job when both fit in 31 days), report with charts and savings, then Slack when asked. Each stage is its
 * own module; this one only sequences them and decides the ranges.
 */
import {join} from 'node:path'

import type {Clock} from '../core/clock.js'
import type {Summary} from '../analysis/summary.js'
import type {CsvDimension} from '../analysis/build.js'
import type {ReportFilters} from '../analysis/scope.js'
import {loadTeamRules} from '../analysis/teams.js'
import {runExport, type ExportResult} from '../export/index.js'
import {withDemoApi} from '../export/demo.js'
import type {ApiCredentials} from '../export/flags.js'
import {DAY_MS, MAX_LOOKBACK_DAYS, startOfUtcDay, utcDay, type DateRange} from '../export/windows.js'
import {fullReportHooks} from '../report/hooks.js'
import {generateReport} from '../report/index.js'
import {notifySlack, type NotifyOptions, type NotifyResult} from '../slack/index.js'

export interface WeeklyOptions {
  /** Real API credentials, or 'demo' for the embedded simulator. */
  api: ApiCredentials | 'demo'
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
}

export interface WeeklyContext {
  clock: Clock
  log: (line: string) => void
  warn: (line: string) => void
}

export interface WeeklyResult {
  export: ExportResult
  summary: Summary
  files: string[]
  notify: NotifyResult | null
}

/**
 * The range to export: the report window, and the window of equal length before it when comparing — unless
 * that would reach past the API's 366-day limit, in which case the comparison is dropped with a warning.
 */
export function exportRangeFor(range: DateRange, compare: 'previous' | 'none', now: Date): {range: DateRange; withPrevious: boolean} {
  if (compare === 'none') return {range, withPrevious: false}
  const span = range.end.getTime() - range.start.getTime()
  const previousStart = new Date(range.start.getTime() - span)
  const oldestAllowed = startOfUtcDay(new Date(now.getTime() - MAX_LOOKBACK_DAYS * DAY_MS))
  if (previousStart < oldestAllowed) return {range, withPrevious: false}
  return {range: {start: previousStart, end: range.end}, withPrevious: true}
}

/** The report's inclusive day filters for a half-open instant range. */
export function reportDays(range: DateRange): {since: string; until: string} {
  return {since: utcDay(range.start), until: utcDay(new Date(range.end.getTime() - 1))}
}

export async function runWeekly(options: WeeklyOptions, context: WeeklyContext): Promise<WeeklyResult> {
  // A bad teams file must stop the run before it spends export jobs (10 POSTs an hour).
  if (options.report.teamsFile) await loadTeamRules(options.report.teamsFile)
  const {range: exportRange, withPrevious} = exportRangeFor(options.range, options.compare, context.clock())
  if (options.compare === 'previous' && !withPrevious) {
    context.warn('the previous window starts more than 366 days ago, which the Usage API refuses: reporting without a comparison.')
  }
  const exportOptions = {
    sharedOrgIds: options.sharedOrgIds,
    range: exportRange,
    outDir: options.outDir,
    timeoutMs: options.timeoutMs,
    keepParts: options.keepParts,
  }
  const exportContext = {clock: context.clock, log: context.log}
  const exported =
    options.api === 'demo'
      ? await withDemoApi((api) => runExport({...exportOptions, ...api}, exportContext), context.clock)
      : await runExport({...exportOptions, ...options.api}, exportContext)

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
