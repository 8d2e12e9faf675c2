/**
 * `run`: the weekly job the orb calls. Export (the previous window too when comparing, in the same export
 * job when both fit in 31 days), report with charts and savings, then Slack when asked. Each stage is its
 * own module; this one only sequences them and decides the ranges.
 */
import {join} from 'node:path'

import type {Clock} from '../core/clock.js'
import {ApiError, TimeoutError} from '../core/errors.js'
import type {Summary} from '../analysis/summary.js'
import type {CsvDimension} from '../analysis/build.js'
import type {ReportFilters} from '../analysis/scope.js'
import {loadTeamRules} from '../analysis/teams.js'
import type {ExportResult} from '../export/index.js'
import {runExportOn, type ExportTarget} from '../export/demo.js'
import {DAY_MS, formatInstant, startOfUtcDay, utcDay, windowsSpan, type DateRange} from '../export/windows.js'
import type {Budget} from '../history/budgets.js'
import {midnightOf} from '../history/days.js'
import {oldestExportableDay} from '../history/plan.js'
import {historyOrganizations, planHistoryExport, type HistoryExportPlan} from './history.js'
import {fullReportHooks, type HealthHookOptions} from '../report/hooks.js'
import {generateReport} from '../report/index.js'
import {type NotifyOptions, type NotifyResult} from '../slack/index.js'
import {deliverSlack, teamMessages, type PostOnce, type TeamNotifyResult} from '../slack/delivery.js'
import {readPostedRecord} from '../slack/posted.js'
import {loadExport, type LoadResult, type LoadTarget} from '../load/index.js'
import {acquireFolderLock} from '../core/folder-lock.js'
import {clearPendingLoad, notePendingLoad, pendingLoadRanges} from './pending-load.js'

export interface WeeklyOptions {
  /** Real API credentials, or 'demo' for the embedded simulator. */
  api: ExportTarget
  sharedOrgIds: string[]
  /** Ask CircleCI which organizations share the plan (--discover-shared-orgs); always on with --demo. */
  discoverSharedOrgs?: boolean
  range: DateRange
  /** The window to compare with when it is not the equal-length one just before (--month: the calendar month before). */
  previousRange?: DateRange
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
    /** Default branches, flaky tests (--flaky-tests, --demo) and warnings of the health section. */
    health?: HealthHookOptions
  }
  /** null: do not post. */
  notify: NotifyOptions | null
  /**
   * With a history (run --history): post each message once per window and destination, recorded in the history
   * folder (slack/posted.ts); `again` (--notify-again) posts anyway. Absent: every run posts.
   */
  notifyOnce?: {again: boolean}
  /** Where to load the export after the report (`--load-to`); absent: no load. */
  loadTo?: LoadTarget
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
  /** The organization's message. */
  notify: NotifyResult | null
  /** Each team's message (teams with a slack_channel), empty without. */
  teamNotify: TeamNotifyResult[]
  load?: LoadResult
}

/** The report's inclusive day filters for a half-open instant range: every UTC day it touches. */
export function reportDays(range: DateRange): {since: string; until: string} {
  return {since: utcDay(range.start), until: utcDay(new Date(range.end.getTime() - 1))}
}

/** The report's day range (end exclusive) for a half-open instant range. */
function reportDayRange(range: DateRange): {start: string; end: string} {
  const {since, until} = reportDays(range)
  return {start: since, end: utcDay(new Date(Date.parse(`${until}T00:00:00Z`) + DAY_MS))}
}

/**
 * The range to export. The report works in whole UTC days, so the export starts at the midnight of the report's
 * first day; when comparing, it starts that many whole days earlier again (one export job when it all fits in
 * 31 days), or at `previous` when given (--month) — unless that would reach past the API's 366-day limit, in
 * which case the comparison is dropped.
 */
export function exportRangeFor(
  range: DateRange,
  compare: 'previous' | 'none',
  now: Date,
  previous?: DateRange,
): {range: DateRange; withPrevious: boolean} {
  const firstDay = startOfUtcDay(range.start)
  const current = {start: firstDay, end: range.end}
  if (compare === 'none') return {range: current, withPrevious: false}
  const {since, until} = reportDays(range)
  const days = Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${since}T00:00:00Z`)) / DAY_MS) + 1
  const previousStart = previous ? startOfUtcDay(previous.start) : new Date(firstDay.getTime() - days * DAY_MS)
  // The export checks its range again when it starts, after the history is read: a start accepted here at the
  // very limit was refused there (by the API, exit 4, and no report) by a run a moment before midnight. With the
  // hour in hand the history keeps for its own days, the comparison is dropped instead.
  if (previousStart.getTime() < midnightOf(oldestExportableDay(now)).getTime()) return {range: current, withPrevious: false}
  return {range: {start: previousStart, end: range.end}, withPrevious: true}
}

export async function runWeekly(options: WeeklyOptions, context: WeeklyContext): Promise<WeeklyResult> {
  // A bad teams file must stop the run before it spends export jobs (10 POSTs an hour).
  if (options.report.teamsFile) await loadTeamRules(options.report.teamsFile)
  const {range: exportRange, withPrevious} = exportRangeFor(options.range, options.compare, context.clock(), options.previousRange)
  if (options.compare === 'previous' && !withPrevious) {
    context.warn('the previous window starts at the Usage API\'s limit of 366 days back, or before it: reporting without a comparison.')
  }
  // One run at a time updates a history (two weekly jobs sharing a cache folder, or a run beside a backfill):
  // the second stops here, before any POST, naming the first.
  const historyLock = options.history ? await acquireFolderLock(options.history.dir, 'run --history', {log: context.log, flag: '--history'}) : null
  try {
    return await runWeeklyLocked(options, context, exportRange, withPrevious)
  } finally {
    historyLock?.release()
  }
}

async function runWeeklyLocked(options: WeeklyOptions, context: WeeklyContext, exportRange: DateRange, withPrevious: boolean): Promise<WeeklyResult> {
  // Before any POST: a history for other organizations, or a damaged one, stops the run here.
  const history: HistoryExportPlan | null = options.history
    ? await planHistoryExport(
        options.history,
        {api: options.api, sharedOrgIds: options.sharedOrgIds, discoverSharedOrgs: options.discoverSharedOrgs, window: reportDays(options.range), end: options.range.end, exportRange},
        context,
      )
    : null
  const exportOptions = {
    sharedOrgIds: options.sharedOrgIds,
    discoverSharedOrgs: options.discoverSharedOrgs,
    range: exportRange,
    extraRanges: [...(history?.extraRanges ?? []), ...(options.loadTo ? await pendingLoadRanges(options.outDir, context.clock()) : [])],
    outDir: options.outDir,
    timeoutMs: options.timeoutMs,
    keepParts: options.keepParts,
    // The report and the history take only their days from usage.csv: an export of the folder that holds them
    // (the first run of the day, or one killed after its history update) serves a rerun without a new job.
    reuseCompleted: true,
  }
  const exportContext = {clock: context.clock, log: context.log, warn: context.warn, sleep: context.sleep}
  const exported = await runExportOn(options.api, exportOptions, exportContext).catch((error: unknown) => {
    // The export's resume command fetches the data only; the weekly job is finished by running `run` again.
    if ((error instanceof TimeoutError || error instanceof ApiError) && error.message.includes('cci-usage export')) {
      // A range that ends at "now" (--start alone) would end later on the rerun and match none of these jobs.
      const pinned = options.range.end.getTime() % DAY_MS === 0 ? '' : ` and --end ${formatInstant(options.range.end)}`
      const message = `${error.message} To finish the whole report instead, rerun the same \`cci-usage run\` command with the same --out${pinned} on the same UTC day: it reuses these jobs.`
      throw error instanceof TimeoutError ? new TimeoutError(error.code, message, error.details) : new ApiError(error.code, message, error.details)
    }
    throw error
  })

  if (options.loadTo) await notePendingLoad(options.outDir, exported.windows)

  // The rows are those of every organization the export covered, discovered ones too: the history is keyed by that set.
  const organizations = history ? historyOrganizations(history.organizations, exported.sharedPlan) : []
  const {summary, files, teams} = await generateReport(
    {
      inputs: [exported.csvPath],
      outDir: options.outDir,
      filters: {...options.report.filters, ...reportDays(options.range)},
      compare: withPrevious ? 'previous' : 'none',
      previousWindow: withPrevious && options.previousRange ? reportDayRange(options.previousRange) : undefined,
      top: options.report.top,
      teamsFile: options.report.teamsFile,
      creditPrice: options.report.creditPrice,
      groupBy: options.report.groupBy,
      toolVersion: options.report.toolVersion,
      sharedPlan: exported.sharedPlan,
      history: options.history && history
        ? {
            dir: options.history.dir,
            trendWeeks: options.history.trendWeeks,
            budgets: options.history.budgets,
            update: {organizations, windows: exported.windows},
          }
        : undefined,
      ...fullReportHooks(options.report.top, options.report.health),
    },
    {clock: context.clock, log: context.log, warn: context.warn},
  )

  // After the report, so that a database that is down never costs the week's report, nor its Slack message: a
  // failed load is reported (its exit code) once the messages went out. The export window is known here, so only
  // days it covers whole are replaced whole (with a gap between its windows, the span would claim the gap's
  // days: then only the report's range counts).
  const loaded = options.loadTo
    ? await loadExport(
        options.loadTo,
        {inputs: [exported.csvPath], window: windowsSpan(exported.windows) ?? exportRange, creditPrice: options.report.creditPrice, teamsFile: options.report.teamsFile},
        {log: context.log, warn: context.warn},
      ).then(
        (result) => ({result}),
        (error: unknown) => ({error}),
      )
    : undefined

  let notified: NotifyResult | null = null
  let teamNotified: TeamNotifyResult[] = []
  if (options.notify) {
    // Read under the history's lock, after the report: a damaged record is a warning, never a lost message.
    const once: PostOnce | undefined =
      options.notifyOnce && options.history && !options.notify.dryRun
        ? {record: await readPostedRecord(options.history.dir, context.warn), range: options.range, organizations, again: options.notifyOnce.again, clock: context.clock}
        : undefined
    const delivery = await deliverSlack(
      summary,
      teamMessages(options.outDir, teams),
      {...options.notify, chartPng: join(options.outDir, 'credits-by-project.png')},
      context.log,
      once,
    )
    for (const warning of delivery.warnings) context.warn(warning)
    notified = delivery.organization
    teamNotified = delivery.teams
  }
  if (loaded && 'error' in loaded) throw loaded.error
  if (loaded) await clearPendingLoad(options.outDir)
  const load = loaded?.result
  return {
    export: exported,
    summary,
    files: ['usage.csv', 'export-manifest.json', ...files],
    notify: notified,
    teamNotify: teamNotified,
    ...(load ? {load} : {}),
  }
}
