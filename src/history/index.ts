/**
 * The history stage: stores the whole days of a run's export (`update`), then fills the Summary's trend,
 * forecast, budgets and anomalies from the stored days. Called by the report while its DuckDB connection is open;
 * the analyses themselves are pure modules (trend, forecast, budgets, anomalies).
 */
import type {DuckDBConnection} from '@duckdb/node-api'

import {creditsToNumber, NONE_LABEL, projectKeys} from '../analysis/build.js'
import type {BudgetStatus, Summary} from '../analysis/summary.js'
import type {TeamMatcher} from '../analysis/teams.js'
import type {Clock} from '../core/clock.js'
import {BadInputError} from '../core/errors.js'
import {phase} from '../analysis/profile.js'
import {BASELINE_DAYS, findAnomalies, type ScopeSeries} from './anomalies.js'
import {budgetMatcher, evaluateBudget, periodOf, type Budget} from './budgets.js'
import {daysOf, isoWeekStart, minDay, monthOf, monthStart, shiftDay, type DayRange} from './days.js'
import {forecastMonth, spendPlusEstimate} from './forecast.js'
import {asOfDay, daysToStore, exportedDays, type ExportedWindow} from './plan.js'
import {dayPoints, rollupOfDays, trendData, undatedRows, type DayPoint} from './queries.js'
import {checkOrganizations, HISTORY_FILE, historyRowsSql, readHistory, verifyHistoryFiles, withHistoryFiles, writeHistory, type HistoryManifest} from './store.js'
import {windowGaps} from './gaps.js'
import {buildTrend, trendWeekStarts} from './trend.js'

export interface HistoryOptions {
  dir: string
  trendWeeks: number
  /** Parsed --budgets file, or null. */
  budgets: Budget[] | null
  /** Set by `run`: the export's windows, whose whole days are stored, and the organizations it was made for. */
  update?: {organizations: string[]; windows: ExportedWindow[]}
}

export interface HistoryScope {
  connection: DuckDBConnection
  /** The rollup of every row of the export, before the report's filters (queries.ts EXPORT_ROLLUP): what `update` stores. */
  exportRollup?: string
  /** The report's --org/--project/--branch filters as SQL over the export's column names. */
  filterSql?: string
  /** Whether the filters include --branch (only the rollup files have the branch). */
  branchFilter?: boolean
  /** The report window (whole UTC days): every figure is as of its last day. */
  window: DayRange
  teams: TeamMatcher | null
  creditPrice: number | null
  top: number
  clock: Clock
  /** The history when the caller has read it already. */
  manifest?: HistoryManifest | null
}

/** Days read in detail (per org and project) before the report's last day: what budget projections need. */
const RECENT_DAYS = 56

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** Stores the export's days the history lacks or held as not final; returns the history and what it did. */
async function storeExport(options: HistoryOptions & {update: NonNullable<HistoryOptions['update']>}, scope: HistoryScope, previous: HistoryManifest | null, notices: string[]): Promise<HistoryManifest | null> {
  const {connection, clock} = scope
  if (previous) {
    checkOrganizations(previous, options.update.organizations, options.dir)
    await verifyHistoryFiles(options.dir, previous)
  }
  if (!scope.exportRollup) throw new Error('internal: storing a history needs the export rolled up')
  const toStore = daysToStore(exportedDays(options.update.windows, clock()), previous?.days ?? {})
  if (toStore.length === 0) return previous
  const exportRollup = scope.exportRollup
  const undated = await undatedRows(connection, exportRollup)
  const manifest = await writeHistory(connection, options.dir, previous, {
    organizations: options.update.organizations,
    days: toStore,
    rollupOf: (days) => rollupOfDays(exportRollup, days),
    undatedRows: undated.rows,
    undatedCredits: creditsToNumber(undated.credits),
    now: clock(),
  })
  const final = toStore.filter((entry) => entry.final).length
  notices.push(`History: stored ${plural(toStore.length, 'day')} (${final} final) in ${options.dir}; it holds ${plural(Object.keys(manifest.days).length, 'day')}.`)
  if (undated.rows > 0) {
    notices.push(
      `History: ${plural(undated.rows, 'row')} of the export (${creditsToNumber(undated.credits)} credits) have no JOB_RUN_DATE, so no day can hold them: they are counted in ${HISTORY_FILE} (lastUpdate) and left out of the history's figures.`,
    )
  }
  return manifest
}


/** Credits by day, every held day present (0 when nothing was spent): a forecast's input. */
function exactSeries(byDay: ReadonlyMap<string, bigint>, held: readonly string[]): {exact: Map<string, bigint>; values: Map<string, number>} {
  const exact = new Map<string, bigint>(held.map((day) => [day, byDay.get(day) ?? 0n]))
  return {exact, values: new Map([...exact].map(([day, credits]) => [day, creditsToNumber(credits)]))}
}

/** The points' credits by day, every held day present. */
function dailySeries(points: readonly DayPoint[], held: readonly string[]): {exact: Map<string, bigint>; values: Map<string, number>} {
  const byDay = new Map<string, bigint>()
  for (const point of points) byDay.set(point.day, (byDay.get(point.day) ?? 0n) + point.credits)
  return exactSeries(byDay, held)
}

function sumDays(exact: ReadonlyMap<string, bigint>, from: string, through: string): bigint {
  let total = 0n
  for (const [day, credits] of exact) if (day >= from && day <= through) total += credits
  return total
}

/**
 * Sparse credits by day per scope name (absent days spent nothing): anomaly input. Summed exactly, then made a
 * number once, so that an anomaly's credits equal the day's total to the micro-credit.
 */
export function scopeSeries(scope: ScopeSeries['scope'], points: readonly DayPoint[], nameOf: (point: DayPoint) => string): ScopeSeries[] {
  const byName = new Map<string, Map<string, bigint>>()
  for (const point of points) {
    const name = nameOf(point)
    const exact = byName.get(name) ?? new Map<string, bigint>()
    exact.set(point.day, (exact.get(point.day) ?? 0n) + point.credits)
    byName.set(name, exact)
  }
  return [...byName].map(([name, exact]) => ({scope, name, values: new Map([...exact].map(([day, credits]) => [day, creditsToNumber(credits)]))}))
}

/** One budget on the recent days of its scope (the whole spend: budgets ignore the report's filters). */
function judgeBudget(
  budget: Budget,
  points: readonly DayPoint[],
  context: {
    held: readonly string[]
    asOf: string
    since: string
    teamOf: (point: DayPoint) => string
    projectKey: (org: string | null, project: string | null) => string
    creditPrice: number | null
    /** A budget that selects nothing reads 0 and "ok": a typo in its name must not pass as good news. */
    warnings: string[]
  },
): BudgetStatus {
  const matches = budgetMatcher(budget.name)
  const selected = points.filter((point) => {
    // By name (exact or glob) or by ORGANIZATION_ID exactly: a glob over ids (hex UUIDs) would catch other orgs.
    if (budget.scope === 'org') return matches(point.org ?? NONE_LABEL) || (point.orgId !== null && point.orgId === budget.name)
    if (budget.scope === 'team') return matches(context.teamOf(point))
    return matches(point.project ?? NONE_LABEL) || matches(context.projectKey(point.org, point.project))
  })
  if (selected.length === 0) {
    const which = `Budget ${JSON.stringify(budget.name)} (${budget.scope}${budget.line ? `, line ${budget.line}` : ''})`
    // Only where the history holds usage to match can a budget that matches none of it be a misspelt name.
    context.warnings.push(
      context.held.length === 0
        ? `${which} reads 0: the history holds no day from ${context.since} to ${context.asOf} to judge it on (see the days it lacks).`
        : points.length === 0
          ? `${which} reads 0: the history holds no usage from ${context.since} to ${context.asOf}.`
          : `${which} matches no ${budget.scope} with usage since ${context.since}: check the name (exact, or a glob such as "web-*").`,
    )
  }
  const series = dailySeries(selected, context.held)
  const actual = sumDays(series.exact, periodOf(budget.period, context.asOf).start, context.asOf)
  return evaluateBudget(budget, series.values, actual, context.asOf, context.creditPrice)
}

/**
 * Stores the run's export (with `options.update`), then sets summary.trend, forecast, budgets and anomalies.
 * Returns notices for stderr, and warnings (stderr and summary.input.warnings) about what the figures lack.
 */
export async function applyHistory(summary: Summary, options: HistoryOptions, scope: HistoryScope): Promise<{notices: string[]; warnings: string[]}> {
  const notices: string[] = []
  const warnings: string[] = []
  let manifest = scope.manifest !== undefined ? scope.manifest : await readHistory(options.dir)
  if (options.update) {
    manifest = await storeExport({...options, update: options.update}, scope, manifest, notices)
    if (!manifest) {
      notices.push(`History: the export held no whole UTC day to store in ${options.dir}; no trend, forecast, budgets or anomalies this time.`)
      return {notices, warnings}
    }
  } else {
    if (!manifest) throw new BadInputError('E_NO_HISTORY', `No history in ${options.dir} (no ${HISTORY_FILE}): make one with \`cci-usage run --history ${options.dir}\`.`)
    await verifyHistoryFiles(options.dir, manifest)
    // Beside an export (a manifest handed in means the report's rows are this history's, and source.ts warned):
    // the trend and forecast of a window the history lacks would read 0 where the export has credits.
    if (scope.manifest === undefined) {
      warnings.push(...windowGaps(options.dir, manifest, scope.window, "the report's trend, forecast, budgets and anomalies leave").warnings)
    }
  }
  phase('history: store')
  const history = manifest
  const asOf = asOfDay(scope.window)
  const heldDays = Object.keys(history.days).filter((day) => day <= asOf).sort()
  const held = new Set(heldDays)
  const end = shiftDay(asOf, 1)
  const trendStart = trendWeekStarts(asOf, options.trendWeeks)[0]
  // The daily files hold every column the filters name except the branch: --branch reads the rollup files.
  const kind = scope.branchFilter ? 'rollup' : 'daily'
  const filesFor = (start: string) => historyRowsSql(options.dir, history, (month) => month >= monthOf(start) && month <= monthOf(asOf), kind)
  // The whole history up to asOf by week (trend) and by day (the forecast's backtest); the recent days in detail.
  const all = {start: heldDays[0] ?? asOf, end}
  const trend = await withHistoryFiles(scope.connection, options.dir, history, () => trendData(scope.connection, filesFor(all.start), all, scope.filterSql))
  const recent = {start: minDay(shiftDay(scope.window.start, -BASELINE_DAYS), monthStart(asOf), isoWeekStart(asOf), shiftDay(asOf, -RECENT_DAYS)), end}
  const points = await withHistoryFiles(scope.connection, options.dir, history, () => dayPoints(scope.connection, filesFor(recent.start), recent, scope.filterSql))
  phase(`history: read ${trend.weeks.length} week and ${points.length} day points`)

  const inScope = points.filter((point) => point.inScope)
  // The trend and anomalies name a project as the report shows it: org/name only when two organizations the
  // filters keep have it (the trend's weeks are filtered already). Budgets follow the whole spend, so they know
  // every organization's projects.
  const shownProjectKey = projectKeys([...inScope, ...trend.weeks])
  const projectKey = projectKeys([...points, ...trend.weeks])
  const teams = scope.teams
  const teamOf = (point: {project: string | null}) => (teams ? teams(point.project ?? NONE_LABEL) : NONE_LABEL)
  summary.trend = buildTrend({
    asOfDay: asOf,
    weeks: options.trendWeeks,
    points: trend.weeks,
    held,
    by: teams ? 'team' : 'project',
    keyOf: teams ? (_org, project) => teams(project ?? NONE_LABEL) : shownProjectKey,
    top: scope.top,
  })
  const lacking = daysOf({start: trendStart, end}).filter((day) => !held.has(day))
  if (lacking.length > 0) {
    notices.push(`History: ${plural(lacking.length, 'day')} of the trend range (${trendStart} .. ${asOf}) are not in ${options.dir} (older than the Usage API keeps, or never exported): those weeks show as incomplete.`)
  }
  phase('history: trend')

  const total = exactSeries(trend.days, heldDays)
  const monthToDate = sumDays(total.exact, monthStart(asOf), asOf)
  const actualToDate = creditsToNumber(monthToDate)
  const forecast = forecastMonth(total.values, asOf, actualToDate)
  const projection = (value: number) => creditsToNumber(spendPlusEstimate(monthToDate, value - actualToDate))
  summary.forecast = {
    period: forecast.period,
    actualToDate,
    daysElapsed: forecast.daysElapsed,
    daysInPeriod: forecast.daysInPeriod,
    projected: projection(forecast.projected),
    low: projection(forecast.low),
    high: projection(forecast.high),
    method: forecast.method,
    daysNotFinal: daysOf({start: monthStart(asOf), end}).filter((day) => history.days[day]?.final === false).length,
  }
  phase('history: forecast')
  if (options.budgets) {
    const recentDays = heldDays.filter((day) => day >= recent.start)
    summary.budgets = options.budgets.map((budget) => judgeBudget(budget, points, {held: recentDays, asOf, since: recent.start, teamOf, projectKey, creditPrice: scope.creditPrice, warnings}))
  }

  const series = [
    ...scopeSeries('org', inScope, (point) => point.org ?? NONE_LABEL),
    ...(teams ? scopeSeries('team', inScope, teamOf) : []),
    ...scopeSeries('project', inScope, (point) => shownProjectKey(point.org, point.project)),
  ]
  summary.anomalies = findAnomalies(series, daysOf(scope.window), held, total.values)
  phase('history: anomalies')
  return {notices, warnings}
}
