import {basename} from 'node:path'

import {BadInputError} from '../core/errors.js'
import {manifestWindows} from '../export/manifest.js'
import {firstWholeDayFrom, utcDay, type DateRange} from '../export/windows.js'
import type {Clock} from '../core/clock.js'
import {buildCube, type Cube, type DayRange, type GroupingSetName, GROUPING_SETS} from './aggregate.js'
import {branchKeyText, buildSummary, NONE_LABEL, type BuiltSummary, type GroupsBySet, type SummaryInputs} from './build.js'
import {branchTop, keepBranchEntries} from './branch-top.js'
import {openUsage, type UsageSource} from './engine.js'
import {materializeInputRows, REPORT_ROWS_TABLE, type InputRows} from './report-rows.js'
import {describeInputRows, partialDaysWarning, undatedRowsWarning, windowBeyondDataWarning} from './input-notices.js'
import {applyHistory, type HistoryOptions} from '../history/index.js'
import {HISTORY_VIEW, openHistorySource} from '../history/source.js'
import {createExportRollup} from '../history/queries.js'
import {withHistoryFiles, type HistoryManifest} from '../history/store.js'
import {addDays, checkWindowLength, describeFilters, filterSql, previousRange, rangeSql, requestedRange, toWindow, type ReportFilters} from './scope.js'
import type {Summary} from './summary.js'
import {collectGarbage} from '../core/collect-garbage.js'
import {phase} from './profile.js'
import {createTeamMatcher, loadTeamRules} from './teams.js'
import {calendarMonthOf, chargebackRows, type ChargebackRow} from './chargeback.js'
import {sharedPlanSummary, type DiscoveredPlan} from './shared-plan.js'
import {buildTeamReports, type TeamReport} from './team-reports.js'
import {shadowedTeamsWarning, unmatchedTeamsWarning} from './teams-checks.js'

export type CompareMode = 'previous' | 'none'

/** What the integrator may add to the Summary while the data is still open (savings), see `enrich`. */
export interface EnrichScope {
  /**
   * A narrow copy of the export made by the report's single scan (report-rows.ts REPORT_ROW_COLUMNS, same names and
   * types as the view), already limited to --org/--project/--branch. Query it instead of `source.view`: the
   * view re-reads the whole export on every query.
   */
  relation: string
  /** SQL boolean over the view's (and `relation`'s) columns selecting exactly the report's rows (filters and window). */
  filterSql: string | undefined
  /** Every row of every breakdown of those rows (the by-<dim>.csv tables); the branch table only when asked for. */
  breakdowns: BuiltSummary['tables']
  /** A relation of the branch breakdown's entries of those rows (org, project, branch and its measures). */
  branchEntries: string
}

export interface SummaryOptions {
  inputs: string[]
  /** A separate export holding the previous window (implies comparing). */
  previousInputs?: string[]
  filters?: ReportFilters
  compare?: CompareMode
  /**
   * The window to compare with (YYYY-MM-DD, end exclusive) when it is not the equal-length one just before the
   * report window, e.g. the previous calendar month for `run --month`.
   */
  previousWindow?: DayRange
  top?: number
  /**
   * The branch table (by-branch.csv) is wanted: every branch entry is read. Without it only the candidates for the
   * Summary's top branches are (branch-top.ts), which is what keeps a report of 100,000s of branches small.
   */
  branchTable?: boolean
  teamsFile?: string
  creditPrice?: number | null
  tempDir?: string
  toolVersion?: string
  /**
   * Called once the Summary is built and before the data is closed: the place to fill `summary.savings`
   * (computeSavings(source.connection, scope.relation, {windowDays, filterSql})). Mutate `summary` in place.
   */
  enrich?: (source: UsageSource, summary: Summary, scope: EnrichScope) => Promise<void>
  /**
   * With a teams file: called for each team's Summary with the team's rows (scope.filterSql selects them), to
   * add what `enrich` adds to the org's (health). Team savings are the org's, narrowed (team-summary.ts).
   */
  enrichTeam?: (source: UsageSource, summary: Summary, scope: EnrichScope) => Promise<void>
  /** What --discover-shared-orgs found; fills summary.sharedPlan with each organization's credits. */
  sharedPlan?: DiscoveredPlan | null
  /** Columns `enrich` reads beyond REPORT_ROW_COLUMNS, added to the one scan as [name, SQL over the view]. */
  extraRowColumns?: ReadonlyArray<readonly [name: string, sql: string]>
  /**
   * A history (README "History"): fills trend, forecast, budgets and anomalies, and with `update` stores the
   * export's days first. With no `inputs`, the whole report is made from the history (no savings: a history
   * holds no utilisation).
   */
  history?: HistoryOptions
}

export interface SummaryResult extends BuiltSummary {
  /** Notices for stderr (never secrets): e.g. rows without a date left out of a dated window. */
  notices: string[]
  /** Each team's own Summary (with a teams file), after the org's savings were computed; else empty. */
  teams: TeamReport[]
  /** The rows of chargeback-YYYY-MM.csv when the window is one whole calendar month, else null. */
  chargeback: {month: string; rows: ChargebackRow[]} | null
  /** Warnings for stderr, also in summary.input.warnings: e.g. an input skipped as a copy of another. */
  warnings: string[]
}

export const DEFAULT_TOP = 10

export function validateSummaryOptions(options: SummaryOptions): void {
  const top = options.top ?? DEFAULT_TOP
  if (!Number.isInteger(top) || top < 1) {
    throw new BadInputError('E_BAD_TOP', `--top ${top} is not a positive whole number: use e.g. --top 10.`)
  }
  const price = options.creditPrice
  if (price !== undefined && price !== null && (!Number.isFinite(price) || price < 0)) {
    throw new BadInputError('E_BAD_PRICE', `--credit-price ${price} is not a price: give USD per credit as a number >= 0, e.g. --credit-price 0.0006.`)
  }
  if (options.inputs.length === 0 && !options.history) {
    throw new BadInputError('E_NO_INPUT', 'No input given: pass --input with a usage export (.csv or .csv.gz), or run `cci-usage export` first.')
  }
}

/**
 * The report window: --since/--until when given, else the data's first..last JOB_RUN_DATE. With no dated row
 * (filters that match nothing), the whole UTC days of the input's export windows (`exported`, from the manifest
 * beside usage.csv), else the last 7 days by the clock, and a notice saying which.
 */
export function resolveWindow(
  requested: DayRange | null,
  filters: ReportFilters,
  days: Cube['days'],
  clock: Clock,
  exported: readonly DateRange[] = [],
): {range: DayRange; fromData: boolean; notice?: string} {
  if (requested) {
    // --end alone before the data's first day: the window is that end day (no rows), never the data's first day,
    // which the totals (the open range up to --end) leave out and health, reading the window, would count.
    const firstDay = days && (!filters.until || days.first <= filters.until) ? days.first : undefined
    const start = filters.since ?? firstDay ?? filters.until ?? ''
    const end = filters.until ? requested.end : days ? addDays(days.last, 1) : addDays(start, 1)
    return {range: {start, end: end > start ? end : addDays(start, 1)}, fromData: false}
  }
  if (days) return {range: {start: days.first, end: addDays(days.last, 1)}, fromData: true}
  if (exported.length > 0) {
    const start = utcDay(new Date(Math.min(...exported.map((window) => window.start.getTime()))))
    const end = firstWholeDayFrom(Math.max(...exported.map((window) => window.end.getTime())))
    return {
      range: {start, end: end > start ? end : addDays(start, 1)},
      fromData: true,
      notice: "The input has no rows with a JOB_RUN_DATE (after filters); the window shown is the export's (export-manifest.json).",
    }
  }
  const today = clock().toISOString().slice(0, 10)
  return {
    range: {start: addDays(today, -7), end: today},
    fromData: true,
    notice: 'The input has no rows with a JOB_RUN_DATE (after filters); the window shown is the last 7 days.',
  }
}

/** The export windows of the inputs that are an export's usage.csv with its manifest beside it (others add none). */
async function exportWindows(files: readonly string[]): Promise<DateRange[]> {
  const found = await Promise.all(files.map((file) => manifestWindows(file)))
  return found.flatMap((entry) => entry?.windows ?? [])
}

const ALL_SETS = Object.keys(GROUPING_SETS) as GroupingSetName[]
const SETS_WITHOUT_BRANCH = ALL_SETS.filter((set) => set !== 'branch')
const PREVIOUS_SETS: GroupingSetName[] = ['total', 'project', 'day', 'dayProject']

async function groupsFor(cube: Cube, range: DayRange | null, sets: GroupingSetName[]): Promise<GroupsBySet> {
  const groups: GroupsBySet = {}
  for (const set of sets) groups[set] = await cube.breakdown(set, range)
  return groups
}

/** Reads the export(s) once and builds the Summary plus the full breakdown tables. */
export async function buildReportSummary(options: SummaryOptions, clock: Clock): Promise<SummaryResult> {
  validateSummaryOptions(options)
  const filters = options.filters ?? {}
  const requested = requestedRange(filters)
  const teamRules = options.teamsFile ? await loadTeamRules(options.teamsFile) : null
  const teams = teamRules ? createTeamMatcher(teamRules) : null
  const where = filterSql(filters)
  const notices: string[] = []
  const warnings: string[] = []
  const comparing = options.compare === 'previous' || (options.previousInputs?.length ?? 0) > 0

  // Without an export, the history's rollup rows stand in for it (history/source.ts).
  const fromHistory = options.inputs.length === 0 && options.history !== undefined
  let requestedWindow = requested
  let historyManifest: HistoryManifest | undefined
  // A history may lack days of the window; then no file may claim to be a whole month's spend (the chargeback).
  let historyComplete = true
  let source: UsageSource
  if (fromHistory) {
    const opened = await openHistorySource(options.history!.dir, filters, {tempDir: options.tempDir})
    source = opened.source
    requestedWindow = opened.window
    historyManifest = opened.manifest
    notices.push(...opened.notices)
    warnings.push(...opened.warnings)
    historyComplete = opened.complete
  } else {
    source = await openUsage(options.inputs, {tempDir: options.tempDir})
  }
  phase('open duckdb')
  let previousSource: UsageSource | undefined
  let previousRelation: string | undefined
  try {
    let cube: Cube
    let rows: string
    let exportRollup: string | undefined
    let read: InputRows
    if (historyManifest) {
      rows = HISTORY_VIEW
      read = {relation: rows, files: source.files, skipped: [], duplicateRowsDropped: 0, duplicatesByFile: []}
      cube = await withHistoryFiles(source.connection, options.history!.dir, historyManifest, () => buildCube(source, where, requestedWindow, {from: rows, preAggregated: true}))
    } else {
      // The only read of the big file; the cube and the enrich hooks (savings, health) then read the compressed
      // copy. A history being updated needs every row, whatever the filters, rolled up: the cube is then built
      // from that rollup (the same figures from fewer rows), and the history stores its days.
      const storing = options.history?.update !== undefined
      read = await materializeInputRows(source, where, {extraColumns: options.extraRowColumns, keepUnfiltered: storing})
      rows = read.relation
      describeInputRows(read, notices, warnings)
      phase('scan into report_rows')
      if (storing) {
        exportRollup = await createExportRollup(source.connection, REPORT_ROWS_TABLE)
        phase('rollup')
        cube = await buildCube(source, where, requested, {from: exportRollup, database: 'work', preAggregated: true})
      } else {
        cube = await buildCube(source, undefined, requested, {from: rows, database: 'work'})
      }
    }
    phase('cube')
    if (where && cube.rows === 0) {
      notices.push(`No row of the input matches ${describeFilters(filters)}: check the name (exact, or a glob such as "web-*").`)
    }
    // Only read when nothing dated is left: the manifest then says which days the export covered.
    const exported = !requested && !cube.days && !fromHistory ? await exportWindows(read.files) : []
    const window: {range: DayRange; notice?: string} =
      requestedWindow && fromHistory ? {range: requestedWindow} : resolveWindow(requested, filters, cube.days, clock, exported)
    checkWindowLength(window.range, filters, cube.days ?? null)
    if (window.notice) notices.push(window.notice)
    // Without --since/--until every row counts, including rows without a JOB_RUN_DATE; with one bound only,
    // the open range selects the same rows as the window derived from the data.
    const currentRange = requestedWindow
    const current = await groupsFor(cube, currentRange, options.branchTable ? ALL_SETS : SETS_WITHOUT_BRANCH)
    const currentRows = current.total?.[0]?.rows ?? 0
    if (requested && cube.rows > 0 && currentRows === 0) notices.push('No rows of the input fall inside --start/--end (after filters).')
    const undated = undatedRowsWarning((currentRange === null ? current.day : await cube.breakdown('day', null)) ?? [], currentRange !== null)
    if (undated) warnings.push(undated)

    // A window given by date may reach days the input does not hold; known only of an input read whole.
    const checkReach = !fromHistory && !where
    const covered = fromHistory ? [] : await exportWindows(read.files)
    if (checkReach && requested && cube.days) {
      const beyond = windowBeyondDataWarning('report window', window.range, cube.days, covered)
      if (beyond) warnings.push(beyond)
    }
    // Whatever the filters: a day the export holds only some hours of is short for every project.
    const partial = partialDaysWarning('report window', window.range, covered)
    if (partial) warnings.push(partial)

    let previous: SummaryInputs['previous'] = null
    // One previous window for the org and its teams: `--month` compares calendar months, not equal spans.
    const previousDays = options.previousWindow ?? previousRange(window.range)
    if (comparing) {
      const range = previousDays
      let previousCube = cube
      let previousFiles = read.files
      if (options.previousInputs && options.previousInputs.length > 0) {
        previousSource = await openUsage(options.previousInputs, {tempDir: options.tempDir})
        const previousRead = await materializeInputRows(previousSource, where)
        describeInputRows(previousRead, notices, warnings)
        previousRelation = previousRead.relation
        previousFiles = previousRead.files
        previousCube = await buildCube(previousSource, undefined, range, {from: previousRead.relation, database: 'work'})
      }
      previous = {window: toWindow(range), groups: await groupsFor(previousCube, range, PREVIOUS_SETS)}
      // A previous window without any row is said by the comparison itself ("no data"); one the input holds in part is not.
      const days = previousCube.days
      if (checkReach && days && range.start < addDays(days.last, 1) && range.end > days.first) {
        const beyond = windowBeyondDataWarning('comparison window', range, days, await exportWindows(previousFiles))
        if (beyond) warnings.push(beyond)
      }
    }

    const branchEntries = await keepBranchEntries(cube)
    const top = options.top ?? DEFAULT_TOP
    const branchTopOfWindow = await branchTop(source.connection, branchEntries.table, top, branchKeyText({current, previous}))
    phase('breakdowns')
    const inputs: SummaryInputs = {
      generatedAt: clock(),
      toolVersion: options.toolVersion ?? '0.0.0',
      files: read.files.map((file) => basename(file)),
      inputRows: cube.rows,
      window: toWindow(window.range),
      filters: definedOnly(filters),
      creditPrice: options.creditPrice ?? null,
      top,
      current,
      previous,
      teams,
      branchTop: branchTopOfWindow,
    }
    const built = buildSummary(inputs)
    built.summary.input.duplicateRowsDropped = read.duplicateRowsDropped
    if (read.skipped.length > 0) {
      built.summary.input.skippedFiles = read.skipped.map((skip) => ({file: basename(skip.path), reason: skip.reason, sameAs: basename(skip.sameAs)}))
    }
    // Every project of the input (after --org/--project/--branch), not only of the window: a team whose project
    // was idle this week is not a typo, and its rows before the window are the team's input rows.
    const inputProjects = teamRules ? (await cube.breakdown('project', null)).map((group) => group.dims.project ?? null) : []
    if (teamRules) {
      // Rows without a project are matched as NONE_LABEL (as team-reports and chargeback do), so a "(none)" entry
      // that claims them matches something.
      const projects = inputProjects.map((project) => project ?? NONE_LABEL)
      const unmatched = unmatchedTeamsWarning(options.teamsFile!, teamRules, projects, Boolean(where))
      if (unmatched) warnings.push(unmatched)
      const shadowed = shadowedTeamsWarning(options.teamsFile!, teamRules, projects, createTeamMatcher(teamRules))
      if (shadowed) warnings.push(shadowed)
    }
    phase('summary')
    const scopeParts = [where, requested ? rangeSql(window.range) : undefined].filter((part): part is string => Boolean(part))
    const scopeSql = scopeParts.length > 0 ? scopeParts.map((part) => `(${part})`).join(' AND ') : undefined
    if (options.enrich && fromHistory) {
      notices.push('Savings and health need an export (--input): a history holds rollups, not job runs, so none are computed.')
    } else if (options.enrich) {
      // The savings and health queries hold percentiles outside DuckDB's budget: the breakdowns' garbage goes first.
      collectGarbage()
      await options.enrich(source, built.summary, {relation: rows, filterSql: scopeSql, breakdowns: built.tables, branchEntries: branchEntries.table})
      phase('enrich (savings, health)')
    }
    if (options.history) {
      const history = await applyHistory(built.summary, options.history, {
        connection: source.connection,
        exportRollup,
        filterSql: where,
        branchFilter: Boolean(filters.branch),
        window: window.range,
        teams,
        creditPrice: options.creditPrice ?? null,
        top: options.top ?? DEFAULT_TOP,
        clock,
        manifest: historyManifest,
      })
      notices.push(...history.notices)
      warnings.push(...history.warnings)
      phase('history')
    }
    const withRollupFiles = <T>(action: () => Promise<T>) => (historyManifest ? withHistoryFiles(source.connection, options.history!.dir, historyManifest, action) : action())
    if (options.sharedPlan && !fromHistory) built.summary.sharedPlan = await sharedPlanSummary(source.connection, rows, scopeSql, options.sharedPlan)
    // From a history alone, the teams' cube reads its rollup rows as the org's did (no health: no job runs).
    const teamReports =
      teamRules && teams
        ? await withRollupFiles(() => buildTeamReports({
            source,
            relation: rows,
            ...(historyManifest ? {rollup: {filterSql: where}} : {}),
            requested: requestedWindow,
            previous: previous ? {range: previousDays, window: previous.window, source: previousSource, relation: previousRelation} : null,
            rules: teamRules,
            matcher: teams,
            projects: [...(current.project ?? []), ...(previous?.groups.project ?? [])].map((group) => group.dims.project ?? null),
            inputProjects,
            base: inputs,
            orgSavings: built.summary.savings,
            orgBudgets: built.summary.budgets,
            orgAnomalies: built.summary.anomalies,
            windowSql: requested ? rangeSql(window.range) : undefined,
            enrichTeam: historyManifest ? undefined : options.enrichTeam,
            sets: {current: SETS_WITHOUT_BRANCH, previous: PREVIOUS_SETS},
          }))
        : []
    if (teamReports.length > 0) phase('team summaries')
    const month = calendarMonthOf(built.summary.window)
    const chargeback = month && historyComplete ? {month, rows: chargebackRows(current.project ?? [], teams)} : null
    // Once every stage has said what the figures lack.
    if (warnings.length > 0) built.summary.input.warnings = [...warnings]
    return {...built, notices, teams: teamReports, chargeback, warnings}
  } finally {
    await previousSource?.close()
    await source.close()
    phase('close duckdb')
  }
}

function definedOnly(filters: ReportFilters): Summary['filters'] {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined && value !== '')) as Summary['filters']
}
