import {basename} from 'node:path'

import {BadInputError} from '../core/errors.js'
import type {Clock} from '../core/clock.js'
import {buildCube, type Cube, type DayRange, type GroupingSetName, GROUPING_SETS} from './aggregate.js'
import {buildSummary, type BuiltSummary, type GroupsBySet, type SummaryInputs} from './build.js'
import {materializeReportRows, openUsage, REPORT_ROWS_TABLE, type UsageSource} from './engine.js'
import {applyHistory, type HistoryOptions} from '../history/index.js'
import {HISTORY_VIEW, openHistorySource} from '../history/source.js'
import {createExportRollup} from '../history/queries.js'
import {withHistoryFiles, type HistoryManifest} from '../history/store.js'
import {addDays, describeFilters, filterSql, previousRange, rangeSql, requestedRange, toWindow, type ReportFilters} from './scope.js'
import type {Summary} from './summary.js'
import {phase} from './profile.js'
import {createTeamMatcher, loadTeamRules} from './teams.js'

export type CompareMode = 'previous' | 'none'

/** What the integrator may add to the Summary while the data is still open (savings), see `enrich`. */
export interface EnrichScope {
  /**
   * A narrow copy of the export made by the report's single scan (engine.ts REPORT_ROW_COLUMNS, same names and
   * types as the view), already limited to --org/--project/--branch. Query it instead of `source.view`: the
   * view re-reads the whole export on every query.
   */
  relation: string
  /** SQL boolean over the view's (and `relation`'s) columns selecting exactly the report's rows (filters and window). */
  filterSql: string | undefined
}

export interface SummaryOptions {
  inputs: string[]
  /** A separate export holding the previous window (implies comparing). */
  previousInputs?: string[]
  filters?: ReportFilters
  compare?: CompareMode
  top?: number
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
   * A history (README "History"): fills trend, forecast, budgets and anomalies, and with `update` stores the
   * export's days first. With no `inputs`, the whole report is made from the history (no savings: a history
   * holds no utilisation).
   */
  history?: HistoryOptions
}

export interface SummaryResult extends BuiltSummary {
  /** Notices for stderr (never secrets): e.g. rows without a date left out of a dated window. */
  notices: string[]
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

/** The report window: --since/--until when given, else the data's first..last JOB_RUN_DATE. */
export function resolveWindow(requested: DayRange | null, filters: ReportFilters, days: Cube['days'], clock: Clock): {range: DayRange; fromData: boolean; notice?: string} {
  if (requested) {
    const start = filters.since ?? days?.first ?? filters.until ?? ''
    const end = filters.until ? requested.end : days ? addDays(days.last, 1) : addDays(start, 1)
    return {range: {start, end: end > start ? end : addDays(start, 1)}, fromData: false}
  }
  if (days) return {range: {start: days.first, end: addDays(days.last, 1)}, fromData: true}
  const today = clock().toISOString().slice(0, 10)
  return {
    range: {start: addDays(today, -7), end: today},
    fromData: true,
    notice: 'The input has no rows with a JOB_RUN_DATE (after filters); the window shown is the last 7 days.',
  }
}

const ALL_SETS = Object.keys(GROUPING_SETS) as GroupingSetName[]
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
  const teams = options.teamsFile ? createTeamMatcher(await loadTeamRules(options.teamsFile)) : null
  const where = filterSql(filters)
  const notices: string[] = []
  const comparing = options.compare === 'previous' || (options.previousInputs?.length ?? 0) > 0

  // Without an export, the history's rollup rows stand in for it (history/source.ts).
  const fromHistory = options.inputs.length === 0 && options.history !== undefined
  let requestedWindow = requested
  let historyManifest: HistoryManifest | undefined
  let source: UsageSource
  if (fromHistory) {
    const opened = await openHistorySource(options.history!.dir, filters, {tempDir: options.tempDir})
    source = opened.source
    requestedWindow = opened.window
    historyManifest = opened.manifest
    notices.push(...opened.notices)
  } else {
    source = await openUsage(options.inputs, {tempDir: options.tempDir})
  }
  phase('open duckdb')
  let previousSource: UsageSource | undefined
  try {
    let cube: Cube
    let rows: string
    let exportRollup: string | undefined
    if (historyManifest) {
      rows = HISTORY_VIEW
      cube = await withHistoryFiles(source.connection, options.history!.dir, historyManifest, () => buildCube(source, where, requestedWindow, {from: rows, preAggregated: true}))
    } else {
      // The only read of the big file; the cube and the enrich hook (savings) then read the compressed copy. A
      // history being updated needs every row, whatever the filters, rolled up: the cube is then built from that
      // rollup (the same figures from fewer rows), and the history stores its days.
      const storing = options.history?.update !== undefined
      rows = await materializeReportRows(source, where, {keepUnfiltered: storing})
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
    const window: {range: DayRange; notice?: string} = requestedWindow && fromHistory ? {range: requestedWindow} : resolveWindow(requested, filters, cube.days, clock)
    if (window.notice) notices.push(window.notice)
    // Without --since/--until every row counts, including rows without a JOB_RUN_DATE; with one bound only,
    // the open range selects the same rows as the window derived from the data.
    const currentRange = requestedWindow
    const current = await groupsFor(cube, currentRange, ALL_SETS)
    const currentRows = current.total?.[0]?.rows ?? 0
    if (requested && cube.rows > 0 && currentRows === 0) notices.push('No rows of the input fall inside --since/--until (after filters).')

    let previous: SummaryInputs['previous'] = null
    if (comparing) {
      const range = previousRange(window.range)
      let previousCube = cube
      if (options.previousInputs && options.previousInputs.length > 0) {
        previousSource = await openUsage(options.previousInputs, {tempDir: options.tempDir})
        previousCube = await buildCube(previousSource, where, range)
      }
      previous = {window: toWindow(range), groups: await groupsFor(previousCube, range, PREVIOUS_SETS)}
    }

    phase('breakdowns')
    const built = buildSummary({
      generatedAt: clock(),
      toolVersion: options.toolVersion ?? '0.0.0',
      files: source.files.map((file) => basename(file)),
      inputRows: cube.rows,
      window: toWindow(window.range),
      filters: definedOnly(filters),
      creditPrice: options.creditPrice ?? null,
      top: options.top ?? DEFAULT_TOP,
      current,
      previous,
      teams,
    })
    phase('summary')
    if (options.enrich && fromHistory) {
      notices.push('Savings need an export (--input): a history holds no utilisation data, so none are computed.')
    } else if (options.enrich) {
      const scopeParts = [where, requested ? rangeSql(window.range) : undefined].filter((part): part is string => Boolean(part))
      await options.enrich(source, built.summary, {relation: rows, filterSql: scopeParts.length > 0 ? scopeParts.map((part) => `(${part})`).join(' AND ') : undefined})
      phase('enrich (savings)')
    }
    if (options.history) {
      const historyNotices = await applyHistory(built.summary, options.history, {
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
      notices.push(...historyNotices)
      phase('history')
    }
    return {...built, notices}
  } finally {
    await previousSource?.close()
    await source.close()
    phase('close duckdb')
  }
}

function definedOnly(filters: ReportFilters): Summary['filters'] {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined && value !== '')) as Summary['filters']
}
